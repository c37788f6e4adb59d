// @hey-api/openapi-ts: the fetch client, zod schemas of every type, and an SDK whose
// functions validate each answer against them.
export default {
  input: '../../openapi/openapi.json',
  output: 'gen',
  plugins: ['@hey-api/client-fetch', 'zod', { name: '@hey-api/sdk', validator: true }],
};
