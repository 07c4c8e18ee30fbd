// Drives acs serve with the real OpenWhisk clients pinned in package.json:
// the Apache openwhisk JS client and @adobe/aio-cli-plugin-runtime (with its
// @adobe/aio-lib-runtime). Run by go test ./pkg/devserver -run
// TestCompatWithRealClients, which starts the server, creates the actions
// and sets APIHOST, AUTH, WSK_CONFIG_FILE and MANIFEST. It prints one line
// per call, "ok <call>: <result>", and exits 1 on the first failure.
'use strict'

const assert = require('assert')
const path = require('path')

const apihost = process.env.APIHOST
const auth = process.env.AUTH
const namespace = 'guest'

function ok (call, result) {
  console.log(`ok ${call}: ${typeof result === 'string' ? result : JSON.stringify(result)}`)
}

async function openwhiskClient () {
  const ow = require('openwhisk')({ apihost, api_key: auth, namespace })

  for (const [name, list] of [['actions', ow.actions], ['activations', ow.activations], ['packages', ow.packages], ['triggers', ow.triggers], ['rules', ow.rules]]) {
    const got = await list.list({ count: true })
    assert.strictEqual(typeof got[name], 'number', `${name}.list({count: true}) gave ${JSON.stringify(got)}`)
    ok(`openwhisk ${name}.list({count: true})`, got)
  }
  const actions = await ow.actions.list({ count: true })
  assert.strictEqual(actions.actions, 2)

  const res = await ow.actions.invoke({ name: 'echo', blocking: true, result: true, params: { a: 1 } })
  assert.strictEqual(res.params.a, 1)
  ok('openwhisk actions.invoke({blocking, result})', 'params echoed')

  try {
    await ow.actions.invoke({ name: 'echo', blocking: true, result: true, params: { fail: 'the source is broken' } })
    assert.fail('a failed invocation resolved')
  } catch (err) {
    assert.match(err.message, /the source is broken/, err.message)
    assert.doesNotMatch(err.message, /Response Missing Error Message/, err.message)
    ok('openwhisk actions.invoke (failed activation)', err.message)
  }

  const web = await fetch(`${apihost}/api/v1/web/${namespace}/default/web.json/params`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"b":2}' })
  assert.strictEqual(web.status, 200)
  const body = await web.json()
  assert.strictEqual(body.b, 2)
  assert.strictEqual(body.__ow_path, '/params')
  ok('web action .json/params projection', 'the params object')
}

async function aioRuntime () {
  const runtime = require('@adobe/aio-lib-runtime')
  const ow = await runtime.init({ apihost, api_key: auth, namespace })
  const lf = await ow.logForwarding.get()
  assert.deepStrictEqual(lf, { adobe_io_runtime: {} })
  ok('aio-lib-runtime logForwarding.get()', lf)

  const wsk = require('openwhisk')({ apihost, api_key: auth, namespace })
  await wsk.actions.invoke({ name: 'echo', blocking: true, result: true, params: { log: 'logged by the last activation' } })
  const lines = []
  const pluginRoot = path.dirname(require.resolve('@adobe/aio-cli-plugin-runtime/package.json'))
  const Logs = require('@adobe/aio-cli-plugin-runtime/src/commands/runtime/activation/logs.js')
  const log = Logs.prototype.log
  Logs.prototype.log = function (...args) { lines.push(args.join(' ')) }
  try {
    await Logs.run(['--last', '--apihost', apihost, '--auth', auth], pluginRoot)
  } finally {
    Logs.prototype.log = log
  }
  const out = lines.join('\n')
  assert.doesNotMatch(out, /custom log forwarding/, out)
  assert.match(out, /logged by the last activation/, out)
  ok('aio runtime activation logs --last', out.trim().split('\n').pop())

  const { setPaths, processPackage } = runtime.utils
  const components = setPaths({ manifest: process.env.MANIFEST })
  // The action zips are built by scripts/deploy.sh; stand-ins in a scratch
  // directory let the manifest be processed as aio runtime deploy does.
  const fs = require('fs')
  const os = require('os')
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'acs-compat-'))
  for (const pkg of Object.values(components.packages)) {
    for (const action of Object.values(pkg.actions || {})) {
      if (action && action.function) {
        fs.mkdirSync(path.join(scratch, path.dirname(action.function)), { recursive: true })
        fs.writeFileSync(path.join(scratch, action.function), 'stand-in')
      }
    }
  }
  process.chdir(scratch)
  const entities = processPackage(components.packages, components.deploymentPackages, components.deploymentTriggers, {}, false, { apihost })
  const names = (list) => list.map(e => e.name).sort()
  assert.ok(names(entities.triggers).includes('asset-uploaded'), JSON.stringify(entities.triggers))
  assert.ok(names(entities.rules).includes('on-asset-uploaded'), JSON.stringify(entities.rules))
  ok('aio runtime deploy -m manifest.yml (processPackage)', `${entities.actions.length} actions, triggers ${names(entities.triggers)}, rules ${names(entities.rules)}`)
}

openwhiskClient().then(aioRuntime).catch(err => {
  console.error(`FAIL ${err.stack || err}`)
  process.exit(1)
})
