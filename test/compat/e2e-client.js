// Drives acs serve's Asset Compute HTTP API end to end with the real
// @adobe/asset-compute-client pinned in package.json, as an application
// does: AssetComputeClient with an OAuth server-to-server integration gets
// its access token from an IMS token endpoint (the test's stand-in, whose
// JWTs acs serve checks against the stand-in's JWKS), registers, processes
// each job of ACS_JOBS (all at once), waits for every rendition's event
// with waitActivation (the client's own journal emitter), and unregisters.
// Before that, a tampered token (401) and another API key (403) are
// refused through the lower-level AssetCompute.
//
// Run by the end-to-end test (test/e2e, `make e2e`), which sets ACS_URL,
// ACS_IMS, ACS_ORG, ACS_CLIENT_ID, ACS_CLIENT_SECRET and ACS_JOBS (a JSON
// file: [{label, source, renditions, userData}]). It prints one line per
// call, "ok <call>: <result>", one "EVENTS <json>" line per job, and exits
// 1 on the first failure.
'use strict'

const assert = require('assert')
const fs = require('fs')
const { AssetCompute, AssetComputeClient } = require('@adobe/asset-compute-client')

function env (name) {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}

function ok (call, result) {
  console.log(`ok ${call}: ${typeof result === 'string' ? result : JSON.stringify(result)}`)
}

async function main () {
  const url = env('ACS_URL')
  const org = env('ACS_ORG')
  const clientId = env('ACS_CLIENT_ID')
  const jobs = JSON.parse(fs.readFileSync(env('ACS_JOBS'), 'utf8'))
  const timeout = Number(process.env.ACS_TIMEOUT_MS || 120000)

  // AssetComputeClient.create() refuses OAuth server-to-server
  // integrations (it checks metascopes whatever the type), so the client
  // is constructed and registered in two steps, which the README allows.
  const integration = {
    TYPE: 'oauthservertoserver',
    ORG_ID: org,
    CLIENT_ID: clientId,
    CLIENT_SECRETS: [env('ACS_CLIENT_SECRET')],
    SCOPES: ['openid', 'AdobeID', 'asset_compute'],
    TECHNICAL_ACCOUNT_ID: 'e2e@techacct.adobe.com',
    TECHNICAL_ACCOUNT_EMAIL: 'e2e@techacct.adobe.com'
  }
  const client = new AssetComputeClient(integration, { url, imsEndpoint: env('ACS_IMS'), interval: 50 })
  const reg = await client.register()
  assert.strictEqual(reg.ok, true)
  assert.ok(reg.journal.startsWith(url + '/'), reg.journal)
  ok('AssetComputeClient.register (IMS token v4, JWKS-verified)', 'journal')

  const [head, payload] = client.accessToken.split('.')
  const tampered = new AssetCompute({ url, accessToken: `${head}.${payload}.AAAA`, org, apiKey: clientId, retryOptions: false })
  await assert.rejects(tampered.register(), /Unable to invoke \/register: 401/)
  ok('AssetCompute.register (tampered token)', '401')
  const otherKey = new AssetCompute({ url, accessToken: client.accessToken, org, apiKey: 'not-' + clientId, retryOptions: false })
  await assert.rejects(otherKey.register(), /Unable to invoke \/register: 403/)
  ok('AssetCompute.register (token of another API key)', '403')

  // The client's journal emitter is made by its first process() call and
  // its first read is latest=true. The journal has never been read then,
  // so acs serve answers that read from the journal's oldest event: the
  // events of jobs that end before the emitter's first read are found all
  // the same, and the jobs are sent straight away.
  if (process.env.ACS_DEBUG) {
    client.on('rendition_created', e => console.log('DEBUG event ' + JSON.stringify(e)))
    client.on('rendition_failed', e => console.log('DEBUG event ' + JSON.stringify(e)))
    client.on('error', e => console.log('DEBUG error ' + e))
  }

  // Each job's events are awaited from the moment its /process answered,
  // so none can be emitted before its listener is in place.
  const results = await Promise.all(jobs.map(job =>
    client.process(job.source, job.renditions, job.userData).then(res => {
      assert.strictEqual(res.ok, true)
      assert.ok(res.activationId)
      ok(`AssetComputeClient.process (${job.label})`, `${job.renditions.length} renditions`)
      return client.waitActivation(res.requestId, timeout).then(events => ({ job, res, events }))
    })
  ))
  for (const { job, res, events } of results) {
    assert.strictEqual(events.length, job.renditions.length)
    ok(`AssetComputeClient.waitActivation (${job.label})`, `${events.length} events, one per rendition`)
    console.log('EVENTS ' + JSON.stringify({ label: job.label, requestId: res.requestId, events }))
  }

  await assert.rejects(client.process(jobs[0].source, [], {}), /Unable to invoke \/process: 400/)
  ok('AssetComputeClient.process (no renditions)', '400')

  // Polling stops first: a poll after the journal is gone would be a 404.
  await client.close()
  const unreg = await client.unregister()
  assert.strictEqual(unreg.ok, true)
  ok('AssetComputeClient.unregister', unreg)
}

main().catch(err => {
  console.log(`FAIL ${err.stack || err}`)
  process.exit(1)
})
