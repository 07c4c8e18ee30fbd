// A client whose journal reader starts after its first request ended, as
// AssetComputeClient's does when the request is fast: register, process,
// then (on a line on stdin, once the test has seen the activation end)
// the journal emitter, whose first read is latest=true. Every event of the
// request must reach it. Run by go test ./actions/acapi -run
// TestFirstJournalReadWithRealClient with ACS_URL, ACS_TOKEN, ACS_ORG,
// ACS_API_KEY and ACS_SOURCE set. It prints "ok <call>: <result>" lines,
// and exits 1 on the first failure.
'use strict'

const assert = require('assert')
const readline = require('readline')
const { AssetCompute, AssetComputeEventEmitter } = require('@adobe/asset-compute-client')

const url = process.env.ACS_URL
const accessToken = process.env.ACS_TOKEN
const org = process.env.ACS_ORG
const apiKey = process.env.ACS_API_KEY

function ok (call, result) {
  console.log(`ok ${call}: ${typeof result === 'string' ? result : JSON.stringify(result)}`)
}

async function main () {
  const ac = new AssetCompute({ url, accessToken, org, apiKey, retryOptions: false })
  const reg = await ac.register()
  assert.strictEqual(reg.ok, true)
  ok('AssetCompute.register', 'journal')

  const renditions = [{ name: 'a.png', fmt: 'png', wid: 32 }, { name: 'b.jpg', fmt: 'jpg' }]
  const res = await ac.process({ url: process.env.ACS_SOURCE }, renditions, { run: 'late' })
  assert.strictEqual(res.ok, true)
  ok('AssetCompute.process', res.activationId)

  const lines = readline.createInterface({ input: process.stdin })
  await new Promise(resolve => lines.once('line', resolve))
  lines.close()

  const emitter = new AssetComputeEventEmitter({ accessToken, org, journal: reg.journal, interval: 20 })
  const events = []
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${events.length} of ${renditions.length} events after 30 s`)), 30000)
    const onEvent = event => {
      if (event.requestId !== res.requestId) return
      events.push(event)
      if (events.length === renditions.length) {
        clearTimeout(timer)
        resolve()
      }
    }
    emitter.on('rendition_created', onEvent)
    emitter.on('rendition_failed', onEvent)
    emitter.on('error', reject)
  })
  await emitter.close()
  assert.deepStrictEqual(events.map(e => e.rendition.name).sort(), ['a.png', 'b.jpg'])
  ok('AssetComputeEventEmitter (started after the request ended)', `${events.length} events`)

  const unreg = await ac.unregister()
  assert.strictEqual(unreg.ok, true)
  ok('AssetCompute.unregister', unreg)
}

main().catch(err => {
  console.log(`FAIL ${err.stack || err}`)
  process.exit(1)
})
