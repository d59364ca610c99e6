// The dashboard's OIDC sign-in in a real browser (Debian's chromium driven by playwright-core),
// for tests/e2e/dashboard_oidc.sh: the sign-in page offers "Sign in with OIDC"; the person signs
// in as alice at oidc-provider's login and consent pages; back on the dashboard the Connections
// page lists the Connection the RBAC of User oidc:alice lets her list, the session says who she is
// (the API server's SelfSubjectReview of the ID token), and a delete she may not do is refused
// by the API server as oidc:alice. axe-core checks the sign-in page; screenshots go to
// $SCREENSHOT_DIR. Environment: DASHBOARD_URL, ISSUER, SCREENSHOT_DIR,
// DRAGOPS_DASHBOARD_BROWSER_DIR (setup.sh), CHROMIUM.
import { bad, check, env, finish, ok, openDashboard, pageTools } from './harness.mjs';

const url = env('DASHBOARD_URL');
const issuer = env('ISSUER');
const shots = env('SCREENSHOT_DIR');
// The issuer's certificate comes from the test's own CA, which this browser profile does not
// know; the dashboard itself is plain http on localhost here.
const { browser, context, page, consoleErrors } = await openDashboard(url, { ignoreHTTPSErrors: true });
const { axe, shot, apiFromPage } = pageTools(page, shots);

try {
  await page.goto(url);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  const button = page.getByRole('button', { name: 'Sign in with OIDC' });
  await button.waitFor();
  ok('the sign-in page offers "Sign in with OIDC"');
  await axe('the sign-in page with OIDC');
  await shot('sign-in-oidc');

  // The person at oidc-provider's login and consent pages (devInteractions).
  await Promise.all([page.waitForURL((u) => u.href.startsWith(issuer)), button.click()]);
  ok('the button leads to the issuer');
  for (let i = 0; i < 6 && !page.url().startsWith(url); i++) {
    await page.waitForLoadState();
    if (page.url().startsWith(url)) break;
    if (await page.locator('input[name="login"]').count() > 0) {
      await page.locator('input[name="login"]').fill('alice');
      await page.locator('input[name="password"]').fill('any');
    }
    await Promise.all([page.waitForNavigation(), page.locator('button[type="submit"]').first().click()]);
  }
  await page.waitForURL((u) => u.href.startsWith(url));
  check(!page.url().includes('code='), 'the dashboard\'s address bar keeps no code after the callback', page.url());
  await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
  ok('back on the dashboard, signed in: the Connections page');
  const cookies = await context.cookies(url);
  const session = cookies.find((c) => c.name === 'dragops_session');
  check(session && session.httpOnly && session.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict',
    JSON.stringify(session ? { httpOnly: session.httpOnly, sameSite: session.sameSite } : null));
  check(!cookies.some((c) => c.name === 'dragops_oidc'), 'the pre-session cookie is gone after the callback');
  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  check(!/eyJ[A-Za-z0-9_-]{10,}/.test(storage), 'no ID token in script-readable storage');

  const me = await apiFromPage('GET', '/api/session');
  check(me.status === 200 && JSON.parse(me.body).user === 'oidc:alice', 'the API server sees the ID token as oidc:alice', me.body);
  const expiresIn = me.status === 200 ? JSON.parse(me.body).expiresIn : 0;
  check(expiresIn > 0 && expiresIn <= 3600, 'the session ends no later than the ID token (oidc-provider: 1 h)', String(expiresIn));

  // alice may not list namespaces: the page opens on "default", where she may list nothing (the
  // API server's refusal names her); she filters on her namespace.
  await page.getByText('User "oidc:alice" cannot list resource "connections"').waitFor();
  ok('in "default" the API server refuses the list, naming oidc:alice');
  await page.getByLabel('Namespace').fill('team-a');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByText('alice-may-see').first().waitFor();
  ok('the Connections page lists the Connection oidc:alice may list');
  check(await page.getByText('hidden-from-alice').count() === 0, 'a Connection of another namespace is not listed');
  await shot('connections-oidc');

  const del = await apiFromPage('DELETE', '/api/connections/team-a/alice-may-see');
  check(del.status === 403 && del.body.includes('oidc:alice'),
    'a delete oidc:alice may not do is refused by the API server, naming her', `${del.status} ${del.body}`);
  const other = await apiFromPage('GET', '/api/connections?namespace=team-b');
  check(other.status === 403, 'listing another namespace is refused', `${other.status}`);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  const after = await apiFromPage('GET', '/api/connections?namespace=team-a');
  check(after.status === 401, 'after sign-out the session is gone', `${after.status}`);
  // The 401 before sign-in and the 403s above are the answers this test asks for.
  const scriptErrors = consoleErrors.filter((e) => !/^Failed to load resource: the server responded with a status of 40[13]/.test(e));
  check(scriptErrors.length === 0, 'no script error in the console', scriptErrors.join('\n     '));
} catch (e) {
  bad('the OIDC flow ran to the end', String(e).split('\n')[0]);
  await shot('oidc-failure').catch(() => {});
}
await browser.close();
finish('browser');
