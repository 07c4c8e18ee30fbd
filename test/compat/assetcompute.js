// Drives the Asset Compute HTTP API of acs serve with the real
// @adobe/asset-compute-client pinned in package.json: AssetCompute's
// register, process and unregister, and AssetComputeEventEmitter reading
// the journal as the client does (latest=true, then the Link next header).
// Run by go test ./pkg/devserver -run TestAssetComputeWithRealClient, which
// starts the server with the process action deployed and sets ACS_URL,
// ACS_TOKEN, ACS_ORG, ACS_API_KEY and ACS_SOURCE. It prints one line per
// call, "ok <call>: <result>", and exits 1 on the first failure.
'use strict'

const assert = require('assert')
const { AssetCompute, AssetComputeEventEmitter } = require('@adobe/asset-compute-client')

const url = process.env.ACS_URL
const accessToken = process.env.ACS_TOKEN
const org = process.env.ACS_ORG
const apiKey = process.env.ACS_API_KEY
const source = process.env.ACS_SOURCE

function ok (call, result) {
  console.log(`ok ${call}: ${typeof result === 'string' ? result : JSON.stringify(result)}`)
}

// nextPoll resolves when the emitter starts its next poll, so the previous
// one (which set the journal position) has ended.
function nextPoll (emitter) {
  return new Promise(resolve => emitter.ioEventsEmitter.once('poll', resolve))
}

async function main () {
  const refused = new AssetCompute({ url, accessToken: 'not-' + accessToken, org, apiKey, retryOptions: false })
  await assert.rejects(refused.register(), /Unable to invoke \/register: 401/)
  ok('AssetCompute.register (bad token)', '401')

  const ac = new AssetCompute({ url, accessToken, org, apiKey, retryOptions: false })
  const reg = await ac.register()
  assert.strictEqual(reg.ok, true)
  assert.ok(reg.requestId)
  assert.ok(reg.journal.startsWith(url + '/'), reg.journal)
  ok('AssetCompute.register', 'journal')

  const renditions = [
    { name: 'thumb.png', fmt: 'png', wid: 64, hei: 64 },
    { name: 'small.jpg', fmt: 'jpg', wid: 200, qlt: 70 },
    { name: 'tall.webp', fmt: 'webp', hei: 120 },
    { name: 'photo.tiff', fmt: 'tif' }
  ]
  const emitter = new AssetComputeEventEmitter({ accessToken, org, journal: reg.journal, interval: 20 })
  const events = []
  const done = new Promise((resolve, reject) => {
    const onEvent = event => {
      events.push(event)
      if (events.length === renditions.length) resolve()
    }
    emitter.on('rendition_created', onEvent)
    emitter.on('rendition_failed', onEvent)
    emitter.on('error', reject)
  })
  await nextPoll(emitter) // the first poll (latest=true) began
  await nextPoll(emitter) // and ended: the emitter holds the journal's end

  const res = await ac.process({ url: source }, renditions, { run: 'compat' })
  assert.strictEqual(res.ok, true)
  assert.ok(res.activationId)
  assert.ok(res.requestId)
  ok('AssetCompute.process', `${renditions.length} renditions`)

  await done
  await emitter.close()
  assert.strictEqual(events.length, renditions.length)
  const names = events.map(e => e.rendition.name).sort()
  assert.deepStrictEqual(names, renditions.map(r => r.name).sort())
  let sized = 0
  for (const e of events) {
    assert.strictEqual(e.requestId, res.requestId)
    assert.deepStrictEqual(e.userData, { run: 'compat' })
    const m = e.metadata || {}
    if (m['tiff:imageWidth'] !== undefined) {
      // The hosted documentation's names, beside the SDK's.
      assert.strictEqual(m['tiff:ImageWidth'], m['tiff:imageWidth'], JSON.stringify(m))
      assert.strictEqual(m['tiff:ImageLength'], m['tiff:imageHeight'], JSON.stringify(m))
      sized++
    }
  }
  ok('AssetComputeEventEmitter (journal)', `${events.length} events, one per rendition, ${sized} with dimensions under both names`)

  const unreg = await ac.unregister()
  assert.strictEqual(unreg.ok, true)
  ok('AssetCompute.unregister', unreg)
}

main().catch(err => {
  console.log(`FAIL ${err.stack || err}`)
  process.exit(1)
})
