// The real OAuth 2.0 authorization server the OAuth tests run against: the npm package
// oidc-provider (installed by setup.sh), configured the way the tests need it. Not a fake: every
// grant, rotation, reuse check, introspection and revocation below is oidc-provider's own code.
//
//   node server.mjs [--port 0] [--access-token-ttl 5] [--client-id ID] [--client-secret S]
//                   [--redirect-uri URI] [--host 127.0.0.1] [--tls-cert FILE --tls-key FILE]
//   (or env OAUTH_PORT, OAUTH_ACCESS_TOKEN_TTL, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET,
//    OAUTH_REDIRECT_URI, OAUTH_HOST; DRAGOPS_OAUTH_PROVIDER_DIR = where setup.sh installed it)
//
// Prints exactly one line `READY port=<p> issuer=<url>` on stdout when it listens, then one
// line per token-endpoint outcome to stderr (grant type and result, never a token value).
//
// Configuration the tests rely on:
//   - two confidential clients: ID (client_secret_basic) and ID-post (client_secret_post),
//     both with the same secret and redirect URI, grants authorization_code + refresh_token;
//   - PKCE required for every client (S256 is the only method oidc-provider 9 accepts);
//   - refresh tokens issued when the scope has offline_access AND the authorization request
//     carries prompt=consent (OIDC Core 11: oidc-provider drops offline_access otherwise),
//     rotated on EVERY use; using a
//     consumed refresh token again makes oidc-provider destroy it and revoke the whole grant
//     (every access and refresh token of it), answering invalid_grant "grant request is
//     invalid" (the reason, "refresh token already used", is only in the server log/stats);
//   - introspection and revocation (RFC 7662 / RFC 7009) enabled;
//   - access tokens live --access-token-ttl seconds (opaque tokens);
//   - devInteractions: GET /auth -> 303 /interaction/<uid>; POST /interaction/<uid>
//     (prompt=login, login=<any>, password=<any>) -> /auth/<uid>; again for prompt=consent;
//     GET /interaction/<uid>/abort denies (access_denied). Cookies carry the interaction.
//   - plain HTTP on loopback: oidc-provider 9 does not require TLS for any of this. With
//     --tls-cert and --tls-key it serves HTTPS instead and the issuer is https://HOST:PORT (what
//     kube-apiserver's --oidc-issuer-url requires; tests/e2e/dashboard_oidc.sh); ID tokens are
//     RS256, signed with oidc-provider's development key, published at /jwks.
//
// Control endpoints for failure tests (loopback only, not part of OAuth):
//   POST /__control/down  -> token, introspection and revocation answer 503 until /__control/up
//   POST /__control/up
//   GET  /__control/stats -> {"refresh_ok":n,"refresh_error":n,"code_ok":n,"reuse_detected":n}
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';

function option(name, envName, fallback) {
  const flag = `--${name}`;
  const index = process.argv.indexOf(flag);
  if (index !== -1 && index + 1 < process.argv.length) return process.argv[index + 1];
  if (process.env[envName]) return process.env[envName];
  return fallback;
}

const providerDir = process.env.DRAGOPS_OAUTH_PROVIDER_DIR
  || join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../../.cache/oauth-provider');
const require = createRequire(join(providerDir, 'package.json'));
const { default: Provider } = await import(pathToFileURL(require.resolve('oidc-provider')).href);

const host = option('host', 'OAUTH_HOST', '127.0.0.1');
const port = Number(option('port', 'OAUTH_PORT', '0'));
const accessTokenTtl = Number(option('access-token-ttl', 'OAUTH_ACCESS_TOKEN_TTL', '5'));
const clientId = option('client-id', 'OAUTH_CLIENT_ID', 'dragops-test');
const clientSecret = option('client-secret', 'OAUTH_CLIENT_SECRET', 'dragops-test-secret-0123456789abcdef');
const redirectUri = option('redirect-uri', 'OAUTH_REDIRECT_URI', 'http://127.0.0.1:8443/oauth/callback');

const stats = { refresh_ok: 0, refresh_error: 0, code_ok: 0, code_error: 0, reuse_detected: 0 };
let down = false;

const tlsCert = option('tls-cert', 'OAUTH_TLS_CERT', '');
const tlsKey = option('tls-key', 'OAUTH_TLS_KEY', '');

// Listen first (port 0), then build the provider with the issuer that names the real port.
const server = tlsCert ? createTlsServer({ cert: readFileSync(tlsCert), key: readFileSync(tlsKey) }) : createServer();
await new Promise((resolve) => server.listen(port, host, resolve));
const chosenPort = server.address().port;
const issuer = `${tlsCert ? 'https' : 'http'}://${host}:${chosenPort}`;

const clientBase = {
  client_secret: clientSecret,
  redirect_uris: [redirectUri],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
};

const provider = new Provider(issuer, {
  clients: [
    { ...clientBase, client_id: clientId, token_endpoint_auth_method: 'client_secret_basic' },
    { ...clientBase, client_id: `${clientId}-post`, token_endpoint_auth_method: 'client_secret_post' },
  ],
  cookies: { keys: [randomBytes(32).toString('hex')] },
  findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  scopes: ['openid', 'offline_access'],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
  },
  issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token')
    && code.scopes.has('offline_access'),
  rotateRefreshToken: true,
  ttl: {
    AccessToken: accessTokenTtl,
    AuthorizationCode: 60,
    RefreshToken: 24 * 3600,
    Grant: 24 * 3600,
    Interaction: 600,
    Session: 24 * 3600,
    IdToken: 3600,
  },
});

provider.on('grant.success', (ctx) => {
  const type = ctx.oidc.params?.grant_type;
  if (type === 'refresh_token') stats.refresh_ok += 1;
  if (type === 'authorization_code') stats.code_ok += 1;
  process.stderr.write(`oauth-provider: grant.success ${type}\n`);
});
provider.on('grant.error', (ctx, error) => {
  const type = ctx.oidc?.params?.grant_type;
  if (type === 'refresh_token') stats.refresh_error += 1;
  if (type === 'authorization_code') stats.code_error += 1;
  // The client only sees the generic "grant request is invalid"; the reason is error_detail.
  if (error.error_detail === 'refresh token already used') stats.reuse_detected += 1;
  process.stderr.write(`oauth-provider: grant.error ${type} ${error.error} ${error.error_detail ?? error.error_description}\n`);
});
provider.on('server_error', (_ctx, error) => process.stderr.write(`oauth-provider: server_error ${error}\n`));

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.url.startsWith('/__control/')) {
    const answer = (code, body) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && req.url === '/__control/down') { down = true; return answer(200, { down }); }
    if (req.method === 'POST' && req.url === '/__control/up') { down = false; return answer(200, { down }); }
    if (req.method === 'GET' && req.url === '/__control/stats') return answer(200, stats);
    return answer(404, { error: 'not_found' });
  }
  if (down && /^\/(token|token\/introspection|token\/revocation)(\?|$)/.test(req.url)) {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ error: 'temporarily_unavailable' }));
    return;
  }
  callback(req, res);
});

process.stdout.write(`READY port=${chosenPort} issuer=${issuer}\n`);

const shutdown = () => server.close(() => process.exit(0));
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
