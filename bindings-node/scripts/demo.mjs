// make demo: start `secctx mock`, run the openai-node AzureOpenAI example against it, and print
// what the mock received.
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { EXAMPLES_BUILD, startMock } from '../test/helpers.mjs'

const mock = await startMock()
try {
  console.log(`secctx mock listening on ${mock.url}`)
  const { run } = await import(pathToFileURL(join(EXAMPLES_BUILD, 'openai-azure.mjs')).href)
  const { ctx, answer, streamed } = await run(mock.url)
  console.log('\n--- resolved context ---')
  console.log(ctx.explain())
  console.log(`\n--- answers ---\nplain: ${answer}\nstreamed: ${streamed}`)
  const records = await mock.requests()
  console.log(`\n--- the mock recorded ${records.length} request(s) ---`)
  for (const rec of records) {
    console.log(
      JSON.stringify(
        {
          path: rec.path,
          api_version: rec.api_version,
          stream: rec.body?.stream ?? false,
          user_security_context: rec.user_security_context,
          findings: rec.findings,
        },
        null,
        2,
      ),
    )
  }
  const bad = records.filter((r) => r.findings.length > 0 || r.user_security_context === null)
  if (records.length !== 2 || bad.length > 0) {
    console.error('demo: the mock did not receive two clean requests with user_security_context')
    process.exitCode = 1
  }
} finally {
  await mock.stop()
}
