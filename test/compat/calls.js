// Makes every call of the pinned openwhisk JS client (every method of every
// resource it exports) and every command of @adobe/aio-cli-plugin-runtime
// against acs serve, going on after a failure, and prints one line per
// call:
//
//   CALL <client> <TAB> <call> <TAB> ok|error <TAB> <result or message>
//
// Run by go test ./pkg/devserver -run TestEveryClientCall, which starts
// the server and sets APIHOST, AUTH, ACTION_ZIP (a file holding the base64
// zip of an echo action), WSK_CONFIG_FILE and MANIFEST; the test holds the expected
// outcome of each call, and docs/hosted-compat.md lists them.
'use strict'

const path = require('path')
const fs = require('fs')
const os = require('os')

const apihost = process.env.APIHOST
const auth = process.env.AUTH
const namespace = 'guest'
const zip = fs.readFileSync(process.env.ACTION_ZIP, 'utf8').trim()

function short (v) {
  let s = typeof v === 'string' ? v : JSON.stringify(v)
  if (s === undefined) s = String(v)
  s = s.replace(/\s+/g, ' ')
  return s.length > 160 ? s.slice(0, 160) + '...' : s
}

// callTimeoutMs bounds one call: a call that never answers is reported,
// not waited for.
const callTimeoutMs = Number(process.env.CALL_TIMEOUT_MS || 20000)

async function call (client, name, fn) {
  let timer
  try {
    const res = await Promise.race([fn(), new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${callTimeoutMs} ms`)), callTimeoutMs)
    })])
    console.log(`CALL ${client}\t${name}\tok\t${short(res)}`)
  } catch (err) {
    const msg = (err && (err.message || err.error)) || err
    console.log(`CALL ${client}\t${name}\terror\t${short(msg)}`)
  } finally {
    clearTimeout(timer)
  }
}

async function openwhiskCalls () {
  const ow = require('openwhisk')({ apihost, api_key: auth, namespace })
  const c = (name, fn) => call('openwhisk', name, fn)
  const count = r => (typeof r === 'object' && !Array.isArray(r) ? r : `${r.length} entities`)

  await c('actions.create', () => ow.actions.create({ name: 'sweep-echo', action: zip, kind: 'go:1.24' }).then(a => a.name))
  await c('actions.create (sequence)', () => ow.actions.create({ name: 'sweep-seq', sequence: ['/guest/sweep-echo'] }).then(a => a.exec.kind))
  await c('actions.update', () => ow.actions.update({ name: 'sweep-echo', action: { parameters: [{ key: 'p', value: 1 }] } }).then(a => a.parameters))
  await c('actions.get', () => ow.actions.get({ name: 'sweep-echo' }).then(a => a.exec.kind))
  await c('actions.get ({code: false})', () => ow.actions.get({ name: 'sweep-echo', code: false }).then(a => a.exec.code === undefined ? 'no code' : 'code'))
  await c('actions.list', () => ow.actions.list().then(count))
  await c('actions.list ({count: true})', () => ow.actions.list({ count: true }))
  await c('actions.invoke (non-blocking)', () => ow.actions.invoke({ name: 'sweep-echo', params: { a: 1 } }).then(r => r.activationId ? 'activationId' : r))
  await c('actions.invoke ({blocking})', () => ow.actions.invoke({ name: 'sweep-echo', blocking: true, params: { a: 1 } }).then(r => r.response.status))
  await c('actions.invoke ({blocking, result})', () => ow.actions.invoke({ name: 'sweep-echo', blocking: true, result: true, params: { a: 1 } }))
  await c('actions.invoke (sequence)', () => ow.actions.invoke({ name: 'sweep-seq', blocking: true, result: true, params: { s: 2 } }))

  await c('activations.list', () => ow.activations.list({ limit: 2 }).then(count))
  await c('activations.list ({count: true})', () => ow.activations.list({ count: true }))
  const last = (await ow.activations.list({ limit: 1 }))[0] || {}
  await c('activations.get', () => ow.activations.get({ name: last.activationId }).then(a => a.response.status))
  await c('activations.logs', () => ow.activations.logs({ name: last.activationId }).then(l => `${l.logs.length} lines`))
  await c('activations.result', () => ow.activations.result({ name: last.activationId }).then(r => r.status))

  await c('namespaces.list', () => ow.namespaces.list())
  await c('namespaces.get', () => ow.namespaces.get().then(n => Object.keys(n)))

  await c('packages.create', () => ow.packages.create({ name: 'sweep-pkg', package: { parameters: [{ key: 'k', value: 'v' }] } }).then(p => p.name))
  await c('packages.update', () => ow.packages.update({ name: 'sweep-pkg', package: { publish: false } }).then(p => p.name))
  await c('packages.get', () => ow.packages.get({ name: 'sweep-pkg' }).then(p => p.parameters))
  await c('packages.list', () => ow.packages.list().then(count))
  await c('packages.list ({count: true})', () => ow.packages.list({ count: true }))
  await c('packages.create (binding)', () => ow.packages.create({ name: 'sweep-bind', package: { binding: { namespace, name: 'sweep-pkg' } } }).then(p => p.binding))

  await c('triggers.create', () => ow.triggers.create({ name: 'sweep-trigger' }).then(t => t.name))
  await c('triggers.update', () => ow.triggers.update({ name: 'sweep-trigger', trigger: { parameters: [{ key: 't', value: 1 }] } }).then(t => t.parameters))
  await c('triggers.get', () => ow.triggers.get({ name: 'sweep-trigger' }).then(t => t.name))
  await c('triggers.list', () => ow.triggers.list().then(count))
  await c('triggers.list ({count: true})', () => ow.triggers.list({ count: true }))

  await c('rules.create', () => ow.rules.create({ name: 'sweep-rule', action: 'sweep-echo', trigger: 'sweep-trigger' }).then(r => r.status || r.name))
  await c('rules.update', () => ow.rules.update({ name: 'sweep-rule', action: 'sweep-echo', trigger: 'sweep-trigger' }).then(r => r.name))
  await c('rules.get', () => ow.rules.get({ name: 'sweep-rule' }).then(r => r.status))
  await c('rules.list', () => ow.rules.list().then(count))
  await c('rules.list ({count: true})', () => ow.rules.list({ count: true }))
  await c('rules.disable', () => ow.rules.disable({ name: 'sweep-rule' }).then(() => ow.rules.get({ name: 'sweep-rule' })).then(r => r.status))
  await c('rules.enable', () => ow.rules.enable({ name: 'sweep-rule' }).then(() => ow.rules.get({ name: 'sweep-rule' })).then(r => r.status))
  await c('triggers.invoke (fire)', () => ow.triggers.invoke({ name: 'sweep-trigger', params: { f: 1 } }).then(r => r.activationId ? 'activationId' : r))

  await c('feeds.create', () => ow.feeds.create({ name: '/whisk.system/alarms/alarm', trigger: 'sweep-trigger', params: { cron: '* * * * *' } }))
  await c('feeds.get', () => ow.feeds.get({ name: '/whisk.system/alarms/alarm', trigger: 'sweep-trigger' }))
  await c('feeds.update', () => ow.feeds.update({ name: '/whisk.system/alarms/alarm', trigger: 'sweep-trigger' }))
  await c('feeds.delete', () => ow.feeds.delete({ name: '/whisk.system/alarms/alarm', trigger: 'sweep-trigger' }))

  await c('routes.create', () => ow.routes.create({ relpath: '/hello', operation: 'GET', action: 'sweep-echo', basepath: '/sweep' }))
  await c('routes.list', () => ow.routes.list())
  await c('routes.get', () => ow.routes.get({ basepath: '/sweep' }))
  await c('routes.delete', () => ow.routes.delete({ basepath: '/sweep' }))

  await c('rules.delete', () => ow.rules.delete({ name: 'sweep-rule' }).then(r => r.name))
  await c('triggers.delete', () => ow.triggers.delete({ name: 'sweep-trigger' }).then(t => t.name))
  await c('packages.delete (binding)', () => ow.packages.delete({ name: 'sweep-bind' }).then(p => p.name))
  await c('packages.delete', () => ow.packages.delete({ name: 'sweep-pkg' }).then(p => p.name))
  await c('actions.delete', () => ow.actions.delete({ name: 'sweep-seq' }).then(a => a.name))
}

// aio runs one aio runtime command in process, its output captured; it
// finds the server in the environment (AIO_RUNTIME_APIHOST, _AUTH,
// _NAMESPACE), as aio's own configuration does.
async function aio (argv, args) {
  const pluginRoot = path.dirname(require.resolve('@adobe/aio-cli-plugin-runtime/package.json'))
  const Cmd = require(`@adobe/aio-cli-plugin-runtime/src/commands/runtime/${argv.join('/')}.js`)
  const lines = []
  const log = Cmd.prototype.log
  const table = Cmd.prototype.table
  Cmd.prototype.log = function (...a) { lines.push(a.join(' ')) }
  try {
    await Cmd.run(args, pluginRoot)
  } finally {
    Cmd.prototype.log = log
    Cmd.prototype.table = table
  }
  return lines.join(' ').trim() || 'done'
}

// The commands that create, change or delete actions, triggers, rules and
// APIs go to Adobe's deploy service with an IMS login unless given
// --use-runtime-auth (-r), which sends them to the runtime's API host with
// its key; they are made with it.
async function aioCalls () {
  const c = (argv, args) => call('aio', `aio runtime ${argv.join(' ')} ${args.join(' ')}`.trim(), () => aio(argv, args))
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'acs-calls-'))
  const zipFile = path.join(scratch, 'echo.zip')
  fs.writeFileSync(zipFile, Buffer.from(zip, 'base64'))
  process.chdir(scratch)

  await c(['action', 'create'], ['aio-echo', 'echo.zip', '--kind', 'go:1.24', '--use-runtime-auth'])
  await c(['action', 'update'], ['aio-echo', '--param', 'p', '1', '--use-runtime-auth'])
  await c(['action', 'get'], ['aio-echo'])
  await c(['action', 'list'], [])
  await c(['action', 'invoke'], ['aio-echo', '--param', 'a', '1', '--result'])
  await c(['activation', 'list'], ['--limit', '1'])
  await c(['activation', 'get'], ['--last'])
  await c(['activation', 'result'], ['--last'])
  await c(['activation', 'logs'], ['--last'])
  await c(['package', 'create'], ['aio-pkg'])
  await c(['package', 'update'], ['aio-pkg', '--param', 'k', 'v'])
  await c(['package', 'get'], ['aio-pkg'])
  await c(['package', 'list'], [])
  await c(['package', 'bind'], ['aio-pkg', 'aio-bound'])
  await c(['trigger', 'create'], ['aio-trigger', '--use-runtime-auth'])
  await c(['trigger', 'update'], ['aio-trigger', '--param', 't', '1', '--use-runtime-auth'])
  await c(['trigger', 'get'], ['aio-trigger'])
  await c(['trigger', 'list'], [])
  await c(['rule', 'create'], ['aio-rule', 'aio-trigger', 'aio-echo', '--use-runtime-auth'])
  await c(['rule', 'update'], ['aio-rule', 'aio-trigger', 'aio-echo', '--use-runtime-auth'])
  await c(['rule', 'get'], ['aio-rule'])
  await c(['rule', 'list'], [])
  await c(['rule', 'disable'], ['aio-rule', '--use-runtime-auth'])
  await c(['rule', 'enable'], ['aio-rule', '--use-runtime-auth'])
  await c(['rule', 'status'], ['aio-rule'])
  await c(['trigger', 'fire'], ['aio-trigger', '--param', 'f', '1'])
  await c(['namespace', 'get'], [])
  await c(['namespace', 'list'], [])
  await c(['namespace', 'log-forwarding', 'get'], [])
  await c(['namespace', 'log-forwarding', 'errors'], [])
  await c(['namespace', 'log-forwarding', 'set', 'adobe-io-runtime'], [])
  await c(['api', 'create'], ['/sweep', '/hello', 'get', 'aio-echo', '--use-runtime-auth'])
  await c(['api', 'list'], [])
  await c(['api', 'get'], ['/sweep'])
  await c(['api', 'delete'], ['/sweep', '--use-runtime-auth'])
  await c(['property', 'get'], [])
  await c(['deploy', 'version'], [])
  await c(['deploy', 'report'], ['--manifest', process.env.MANIFEST])
  await c(['rule', 'delete'], ['aio-rule', '--use-runtime-auth'])
  await c(['trigger', 'delete'], ['aio-trigger', '--use-runtime-auth'])
  await c(['package', 'delete'], ['aio-bound'])
  await c(['package', 'delete'], ['aio-pkg'])
  await c(['action', 'delete'], ['aio-echo', '--use-runtime-auth'])
}

openwhiskCalls().then(aioCalls).then(() => process.exit(0)).catch(err => {
  console.log(`FAIL ${err.stack || err}`)
  process.exit(1)
})
