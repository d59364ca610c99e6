// The dashboard in a real browser (Debian's chromium driven by playwright-core), for
// tests/e2e/dashboard_browser.sh. One phase per call, so the script can check the cluster between
// them:
//   node flows.mjs create   sign in with a token; a Jira Connection through the generated form
//                           (first with a missing field and a bad URL: errors next to the fields,
//                           nothing created), an API-key one, both Ready; an OAuth one authorized;
//                           a Secret with two environments
//   node flows.mjs manage   sign in, set a Secret's value, replace the Jira credentials, revoke and
//                           delete (confirmation dialogs), sign out; a read-only user sees no write
//                           action and the server refuses one; delete a Secret
// Every flow an author does runs twice, with the mouse and with the keyboard alone (Tab, Shift+Tab,
// Enter, arrow keys, typing: no click, fill, selectOption, nor goto after sign-in; the keyboard's
// objects are virustotal, jira-kb, idp-kb and api-kb); the checks of a copied OAuth link and of the
// read-only user run once. After each keyboard step a check names the element
// that must have focus (expectFocus) and that it shows its focus outline.
// Every page is checked with axe-core (WCAG 2.0/2.1/2.2 A and AA) and screenshotted into
// $SCREENSHOT_DIR. Environment: DASHBOARD_URL, AUTHOR_TOKEN, READER_TOKEN, CANARY_* values,
// DRAGOPS_DASHBOARD_BROWSER_DIR (setup.sh), CHROMIUM (default /usr/bin/chromium).
import { bad, check, env, finish, ok, openDashboard, pageTools } from './harness.mjs';

const url = env('DASHBOARD_URL');
const shots = env('SCREENSHOT_DIR');
const phase = process.argv[2];
const ns = 'team-a';
const { browser, context, page, consoleErrors } = await openDashboard(url);
const { axe, shot, apiFromPage } = pageTools(page, shots);

async function signIn(token) {
  await page.goto(url);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
}
async function signOut() {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}
// --- The keyboard alone: Tab, Shift+Tab, Enter, arrows, typing; no click, fill or goto ---
// The focused element: its tag, accessible name (aria-label, label, or text), whether it is in a
// dialog, and its outline (the visible focus indicator).
async function focused() {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: 'body', name: '', inDialog: false, outline: '' };
    const labels = el.labels ? Array.from(el.labels).map((l) => l.textContent.replace(/\s*\*$/, '').trim()) : [];
    const style = getComputedStyle(el);
    return { tag: el.tagName.toLowerCase(), name: el.getAttribute('aria-label') || labels[0] || el.textContent.trim(),
      inDialog: !!el.closest('dialog'), outline: `${style.outlineStyle} ${style.outlineWidth}` };
  });
}
const describe = (f) => `focus is on ${f.tag} "${f.name}"${f.inDialog ? ' in the dialog' : ''}`;
// Waits (up to 5 s: a dialog takes focus after the render) until the element of this tag and name
// has focus, and checks it; the detail says where focus is instead. A control (not a heading, which
// takes focus only to be read out) must show its focus outline.
async function expectFocus(tag, name, what, inDialog = false) {
  let f;
  for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
    f = await focused();
    if (f.tag === tag && f.name === name && f.inDialog === inDialog) break;
    await page.waitForTimeout(50);
  }
  const visible = tag === 'h1' || /^solid [2-9]/.test(f.outline);
  check(f.tag === tag && f.name === name && f.inDialog === inDialog && visible, what,
    `${describe(f)}${visible ? '' : `, with no visible outline (${f.outline})`}`);
}
// Tab until the element with this accessible name has focus; it must show a focus outline.
async function tabTo(name, role, key = 'Tab') {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press(key);
    const f = await focused();
    if (f.name !== name || (role && role !== f.tag)) continue;
    if (!/^solid [2-9]/.test(f.outline)) bad(`the focused ${f.tag} "${name}" shows a focus outline`, f.outline);
    return;
  }
  throw new Error(`${key} never reached "${name}"`);
}
// A link or button reached with Tab (or Shift+Tab, for the header from the page) and pressed with Enter.
async function press(name, role = 'button', key = 'Tab') {
  await tabTo(name, role, key);
  await page.keyboard.press('Enter');
}
// A select moves through its options with the arrow keys; stop on the one whose text starts so.
async function choose(label, optionText) {
  const select = page.getByLabel(label);
  await select.locator('option', { hasText: optionText }).first().waitFor({ state: 'attached' });
  const value = await select.locator('option', { hasText: optionText }).first().getAttribute('value');
  await tabTo(label, 'select');
  for (let i = 0; i < 20 && (await select.inputValue()) !== value; i++) await page.keyboard.press('ArrowDown');
  check(await select.inputValue() === value, `${optionText} is chosen with the arrow keys`);
}
async function typeInto(label, text) {
  await tabTo(label, 'input');
  await page.keyboard.type(text);
}
// The person at oidc-provider's login and consent pages (devInteractions), until it sends the
// browser back to the dashboard.
async function consentAt(p, start) {
  if (start) await p.goto(start);
  else await p.waitForURL((u) => !u.href.startsWith(url));   // the page navigates to the provider
  for (let i = 0; i < 6 && !p.url().startsWith(url); i++) {
    await p.waitForLoadState();
    if (p.url().startsWith(url)) break;
    if (await p.locator('input[name="login"]').count() > 0) {
      await p.locator('input[name="login"]').fill('alice');
      await p.locator('input[name="password"]').fill('any');
    }
    await Promise.all([p.waitForNavigation(), p.locator('button[type="submit"]').first().click()]);
  }
  await p.waitForURL((u) => u.href.startsWith(url));
}
// The detail page re-reads the status until it is Ready: wait for that, without reloading.
async function waitReady(name) {
  await page.goto(`${url}/#/connections/${ns}/${name}`);
  await page.getByRole('heading', { name: `${ns}/${name}` }).waitFor();
  try {
    await page.getByText('Ready (Sealed)').waitFor({ timeout: 30000 });
    return true;
  } catch {
    return false;
  }
}

try {
  if (phase === 'create') {
    await page.goto(url);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await axe('the sign-in page');
    await shot('sign-in');
    await page.getByLabel('Token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('did not accept this token').waitFor();
    ok('a bad token is refused with a message');
    await signIn(env('AUTHOR_TOKEN'));
    ok('signed in with a ServiceAccount token');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'dragops_session');
    check(session && session.httpOnly && session.secure && session.sameSite === 'Strict',
      'the session cookie is HttpOnly, Secure, SameSite=Strict', JSON.stringify(session));
    const visible = await page.evaluate(() => document.cookie + JSON.stringify(localStorage) + JSON.stringify(sessionStorage));
    check(!visible.includes(env('AUTHOR_TOKEN').slice(-20)) && !visible.includes(session?.value ?? '#'),
      'scripts see neither the token nor the session id (document.cookie, localStorage, sessionStorage)', visible);
    const headers = (await page.request.get(`${url}/`)).headers();
    check(/frame-ancestors 'none'/.test(headers['content-security-policy'] ?? '') && !/unsafe-inline/.test(headers['content-security-policy']),
      'the page has a strict CSP with frame-ancestors none', headers['content-security-policy']);

    // --- Jira through the generated form: first with mistakes ---
    await page.getByRole('link', { name: 'New connection' }).click();
    await page.getByRole('heading', { name: 'New connection' }).waitFor();
    await page.getByLabel('Service').selectOption({ label: 'Jira Cloud (fields)' });
    await page.getByLabel('Name', { exact: true }).fill('jira');
    await page.getByLabel('Email').fill('bot@example.com');
    await page.getByLabel('Instance URL').fill('not a url');
    check(await page.getByLabel('API token').getAttribute('type') === 'password', 'the secret field is a password input');
    await page.getByRole('button', { name: 'Create' }).click();
    const urlError = page.locator('#field-instance_url-error');
    await urlError.waitFor();
    check(await urlError.textContent() === 'Instance URL is not a valid http(s) URL with a host',
      'a bad URL shows the operator\'s message next to the field', await urlError.textContent());
    check(await page.locator('#field-api_token-error').textContent() === 'API token is missing',
      'a missing field shows its error next to it');
    check((await page.getByLabel('Instance URL').getAttribute('aria-describedby')).includes('field-instance_url-error') &&
      await page.getByLabel('Instance URL').getAttribute('aria-invalid') === 'true', 'the error is tied to its input');
    await axe('the new-connection form with errors');
    await shot('new-connection-errors');
    const listed = JSON.parse((await apiFromPage('GET', `/api/connections?namespace=${ns}`)).body);
    check(listed.items.length === 0, 'a form with errors created nothing', JSON.stringify(listed));

    await page.getByLabel('Instance URL').fill('https://example.atlassian.net');
    await page.getByLabel('API token').fill(env('CANARY_JIRA'));
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: `${ns}/jira` }).waitFor();
    ok('the Jira Connection is created from the form');
    check(await waitReady('jira'), 'the Jira Connection becomes Ready in the UI');
    await axe('the connection detail');
    await shot('connection-detail');

    // --- Who may use it, and sharing it with the ServiceAccount the workflow pod runs as (issue 18);
    // the script then creates that pod, which the webhook admits only with this grant ---
    await page.getByRole('heading', { name: 'Who may use it' }).waitFor();
    // The author's own Role grants use on every Connection of the namespace: that binding is listed.
    await page.getByText('ServiceAccount author (RoleBinding author)').waitFor();
    check(await page.getByText('ServiceAccount default').count() === 0,
      'the detail lists who may use the Connection (the author, through its Role), and not the pod\'s ServiceAccount yet');
    await page.getByLabel('ServiceAccount', { exact: true }).fill('Not A Name');
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    await page.getByText('ServiceAccount must be lower-case').waitFor();
    check(await page.getByLabel('ServiceAccount', { exact: true }).getAttribute('aria-invalid') === 'true',
      'a bad ServiceAccount name shows its error next to the field');
    await page.getByLabel('ServiceAccount', { exact: true }).fill('default');
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    await page.getByText('ServiceAccount default (RoleBinding dragops-use-connection-jira-default)').waitFor();
    ok('Share grants use to a ServiceAccount, and the detail lists it');
    await axe('the connection detail with who may use it');

    // --- From the keyboard alone: an API-key Connection, then Jira with a missing field ---
    // From the Jira page back to the header's Connections link.
    await press('Connections', 'a', 'Shift+Tab');
    await page.getByRole('link', { name: 'New connection' }).waitFor();
    await expectFocus('h1', 'Connections', 'the header\'s Connections link moves focus to the page heading');
    await press('New connection', 'a');
    await page.getByRole('heading', { name: 'New connection' }).waitFor();
    await expectFocus('h1', 'Connections', 'New connection moves focus to the page heading');
    await choose('Service', 'VirusTotal');
    await typeInto('Name', 'virustotal');
    await typeInto('API key', env('CANARY_VT'));
    await press('Create');
    await page.getByRole('heading', { name: `${ns}/virustotal` }).waitFor();
    await expectFocus('h1', 'Connections', 'after Create, focus is on the new Connection\'s page heading');
    ok('the API-key Connection is created from the keyboard alone');

    await press('Connections', 'a', 'Shift+Tab');
    await page.getByRole('link', { name: 'New connection' }).waitFor();
    await press('New connection', 'a');
    await page.getByRole('heading', { name: 'New connection' }).waitFor();
    await choose('Service', 'Jira Cloud (fields)');
    await typeInto('Name', 'jira-kb');
    await typeInto('Email', 'bot@example.com');
    await typeInto('API token', env('CANARY_JIRA'));
    await press('Create');   // Instance URL left empty
    await expectFocus('input', 'Instance URL', 'a form with a missing field moves focus to that field');
    const missing = page.locator('#field-instance_url-error');
    check(await missing.textContent() === 'Instance URL is missing' &&
      (await page.getByLabel('Instance URL').getAttribute('aria-describedby')).includes('field-instance_url-error'),
      'its error is next to it and tied to it', await missing.textContent());
    const names = JSON.parse((await apiFromPage('GET', `/api/connections?namespace=${ns}`)).body).items.map((c) => c.name);
    check(!names.includes('jira-kb'), 'and nothing was created', names.join(' '));
    await page.keyboard.type('https://example.atlassian.net');
    await page.keyboard.press('Enter');   // submits the form from the field
    await page.getByRole('heading', { name: `${ns}/jira-kb` }).waitFor();
    await expectFocus('h1', 'Connections', 'after Create, focus is on the page heading');
    ok('a Jira Connection is created through the generated form from the keyboard alone');
    check(await waitReady('virustotal'), 'the API-key Connection becomes Ready');

    await page.goto(`${url}/#/connections`);
    await page.getByRole('link', { name: 'virustotal' }).waitFor();
    const row = page.getByRole('row', { name: /^jira team-a/ });
    check((await row.textContent()).includes('Jira Cloud') && (await row.textContent()).includes('fields'),
      'the list shows the service display name and auth type', await row.textContent());
    await axe('the Connections page');
    await shot('connections');

    // --- An OAuth Connection, authorized at oidc-provider; a copied link is useless elsewhere ---
    await page.getByRole('link', { name: 'New connection' }).click();
    await page.getByLabel('Service').selectOption({ label: 'Local OpenID provider (oauth2)' });
    await page.getByLabel('Name', { exact: true }).fill('idp');
    await page.getByLabel('OAuth client Secret').fill('idp-client');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: `${ns}/idp` }).waitFor();
    const authorizeButton = page.getByRole('button', { name: 'Authorize' });
    await authorizeButton.waitFor({ timeout: 30000 });
    ok('Authorize appears once the operator publishes the authorization URL');
    await page.getByText(`${url}/oauth/callback`).waitFor();
    await page.getByText('the operator\'s OAuth callback answers').waitFor();
    ok('the redirect URI to register is shown, with the callback check');
    await axe('an OAuth Connection awaiting authorization');
    await shot('oauth-awaiting');
    // Someone else's browser with the link this session was handed.
    const link = JSON.parse((await apiFromPage('POST', `/api/connections/${ns}/idp/authorize`, {})).body).url;
    check(link && link.startsWith(env('ISSUER')), 'the link goes to the provider', String(link));
    const other = await browser.newContext();
    const stranger = await other.newPage();
    await consentAt(stranger, link);
    await stranger.getByRole('heading', { name: 'Authorization refused' }).waitFor();
    ok('a copied link finished in another browser is refused by the dashboard');
    await other.close();
    const stillWaiting = JSON.parse((await apiFromPage('GET', `/api/connections/${ns}/idp`)).body);
    check(stillWaiting.ready !== 'True', 'and the Connection did not get the stranger\'s tokens', stillWaiting.reason);
    await page.goto(`${url}/#/connections/${ns}/idp`);
    await authorizeButton.waitFor();
    await authorizeButton.click();
    await consentAt(page, null);
    await page.getByRole('heading', { name: `${ns}/idp` }).waitFor();
    await page.getByText('Ready (').waitFor({ timeout: 30000 });
    ok('the person who started it consents at the provider and returns to the Connection, Ready');
    await shot('oauth-ready');

    // --- The same from the keyboard: an OAuth Connection, Authorize pressed with Enter (the
    // provider's pages are not ours; consentAt uses the mouse there) ---
    await expectFocus('h1', 'Connections', 'back from the provider, focus is on the page heading');
    await press('Connections', 'a', 'Shift+Tab');
    await page.getByRole('link', { name: 'New connection' }).waitFor();
    await press('New connection', 'a');
    await page.getByRole('heading', { name: 'New connection' }).waitFor();
    await choose('Service', 'Local OpenID provider (oauth2)');
    await typeInto('Name', 'idp-kb');
    await typeInto('OAuth client Secret', 'idp-client');
    await press('Create');
    await page.getByRole('heading', { name: `${ns}/idp-kb` }).waitFor();
    await page.getByRole('button', { name: 'Authorize' }).waitFor({ timeout: 30000 });
    await press('Authorize');
    await consentAt(page, null);
    await page.getByRole('heading', { name: `${ns}/idp-kb` }).waitFor();
    await page.getByText('Ready (').waitFor({ timeout: 30000 });
    ok('an OAuth Connection is created and authorized from the keyboard');

    // --- A Secret with two environments ---
    await page.getByRole('link', { name: 'Secrets' }).click();
    await page.getByRole('heading', { name: 'Secrets', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'New secret' }).click();
    await page.getByRole('heading', { name: 'New secret' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('db-password');
    await page.getByLabel('Environment 1', { exact: true }).fill('production');
    await page.getByLabel('Value 1', { exact: true }).fill(env('CANARY_PROD'));
    await page.getByRole('button', { name: 'Add environment' }).click();
    await page.getByLabel('Environment 2', { exact: true }).fill('development');
    await page.getByLabel('Value 2', { exact: true }).fill(env('CANARY_DEV'));
    await axe('the new-secret form');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Secrets', level: 1 }).waitFor();
    await page.getByText('production: set').waitFor();
    await page.getByText('development: set').waitFor();
    ok('the Secret is listed with both environments set');

    // --- The same from the keyboard, adding the second environment with Enter ---
    await expectFocus('h1', 'Secrets', 'after Create, focus is on the Secrets heading');
    await page.getByRole('link', { name: 'New secret' }).waitFor();
    await press('New secret', 'a');
    await page.getByRole('heading', { name: 'New secret' }).waitFor();
    await expectFocus('h1', 'Secrets', 'New secret moves focus to the page heading');
    await typeInto('Name', 'api-kb');
    await tabTo('Environment 1', 'input');   // production, as the form proposes
    await typeInto('Value 1', env('CANARY_PROD'));
    await press('Add environment');
    await expectFocus('input', 'Environment 2', 'Add environment moves focus to the new environment');
    await page.keyboard.type('development');
    await page.keyboard.press('Tab');
    await expectFocus('input', 'Value 2', 'Tab goes on to its value');
    await page.keyboard.type(env('CANARY_DEV'));
    await press('Create');
    const kbRow = page.getByRole('row', { name: /api-kb/ });
    await kbRow.waitFor();
    await expectFocus('h1', 'Secrets', 'after Create, focus is on the Secrets heading');
    check(/production: set/.test(await kbRow.textContent()) && /development: set/.test(await kbRow.textContent()),
      'a Secret with two environments is created from the keyboard alone', await kbRow.textContent());
    await axe('the Secrets page');
    await shot('secrets');
  } else if (phase === 'manage') {
    // --- Sign in from the keyboard: a refused token first, then the author's, pasted ---
    await page.goto(url);   // typed into the address bar
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectFocus('h1', 'Sign in', 'the sign-in page focuses its heading');
    await typeInto('Token', 'not-a-token');
    await press('Sign in');
    await page.getByText('did not accept this token').waitFor();
    await expectFocus('input', 'Token', 'a refused token moves focus back to the Token field');
    check(await page.getByLabel('Token').getAttribute('aria-invalid') === 'true' &&
      (await page.getByLabel('Token').getAttribute('aria-describedby') ?? '').includes('token-error'), 'with its error tied to it');
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(env('AUTHOR_TOKEN'));   // pasted over the wrong one
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
    await expectFocus('h1', 'Connections', 'after sign-in, focus is on the Connections heading');
    ok('signed in from the keyboard alone');
    // --- Replace a value, revoke, delete ---
    await page.getByRole('link', { name: 'Secrets' }).click();
    await page.getByRole('heading', { name: 'Secrets', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Set a value of db-password' }).click();
    await page.getByLabel('Environment', { exact: true }).fill('staging');
    await page.getByLabel('Value', { exact: true }).fill(env('CANARY_STAGING'));
    await page.getByRole('button', { name: 'Save value' }).click();
    await page.getByText('staging: set').waitFor();
    ok('an environment is added to the Secret (write-only)');
    // The same from the keyboard, on the Secret made from the keyboard.
    await press('Set a value of api-kb');
    await expectFocus('input', 'Environment', 'Set value moves focus into its form');
    await axe('the Secrets page with the set-value form open');
    await page.keyboard.type('qa');
    await page.keyboard.press('Tab');
    await expectFocus('input', 'Value', 'Tab goes on to the value');
    await page.keyboard.type(env('CANARY_STAGING'));
    await page.keyboard.press('Enter');
    await page.getByText('qa: set').waitFor();
    await expectFocus('button', 'Set a value of api-kb', 'after Save value, focus is back on Set value');
    ok('an environment is added from the keyboard alone');

    // Replace credentials: write-only, nothing of the old values is shown back.
    await page.goto(`${url}/#/connections/${ns}/jira`);
    await page.getByRole('button', { name: 'Replace credentials' }).click();
    check(await page.getByLabel('API token').inputValue() === '', 'Replace credentials shows no value back');
    await page.getByLabel('Email').fill('bot@example.com');
    await page.getByLabel('API token').fill(env('CANARY_JIRA2'));
    await page.getByLabel('Instance URL').fill('https://example.atlassian.net');
    await page.getByRole('button', { name: 'Save credentials' }).click();
    await page.getByRole('button', { name: 'Save credentials' }).waitFor({ state: 'detached' });
    ok('the Jira credentials are replaced from the browser');
    // The same from the keyboard, on the Jira Connection made from the keyboard.
    await press('Connections', 'a', 'Shift+Tab');
    await page.getByRole('link', { name: 'jira-kb' }).waitFor();
    await press('jira-kb', 'a');
    await page.getByRole('heading', { name: `${ns}/jira-kb` }).waitFor();
    await expectFocus('h1', 'Connections', 'a Connection\'s link moves focus to its page heading');
    await page.getByRole('button', { name: 'Replace credentials' }).waitFor();
    await press('Replace credentials');
    await expectFocus('input', 'Email', 'Replace credentials moves focus to its first field');
    await page.keyboard.type('bot@example.com');
    await typeInto('API token', env('CANARY_JIRA2'));
    await typeInto('Instance URL', 'https://example.atlassian.net');
    await press('Save credentials');
    await page.getByRole('button', { name: 'Save credentials' }).waitFor({ state: 'detached' });
    await expectFocus('button', 'Replace credentials', 'after Save credentials, focus is back on Replace credentials');
    ok('credentials are replaced from the keyboard alone');

    // Share from the keyboard: a bad name keeps focus on its field, with the error; then Stop sharing.
    await typeInto('ServiceAccount', 'Not A Name');
    await page.keyboard.press('Enter');
    await page.getByText('ServiceAccount must be lower-case').waitFor();
    await expectFocus('input', 'ServiceAccount', 'a bad ServiceAccount name keeps focus on its field');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('default');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Stop sharing with default' }).waitFor();
    await press('Stop sharing with default', 'button', 'Shift+Tab');
    await page.getByRole('button', { name: 'Stop sharing with default' }).waitFor({ state: 'detached' });
    await expectFocus('input', 'ServiceAccount', 'after Stop sharing (its button gone), focus is on the ServiceAccount field');
    ok('a Connection is shared and unshared from the keyboard alone');

    // Revoke and Delete from the keyboard: focus goes into the dialog, stays there, Escape cancels,
    // and focus comes back.
    await press('Revoke', 'button', 'Shift+Tab');
    await expectFocus('button', 'Cancel', 'Revoke opens its dialog with focus on Cancel', true);
    await page.keyboard.press('Tab');
    await expectFocus('button', 'Revoke', 'Tab from the dialog\'s last button goes round to its first', true);
    await page.keyboard.press('Shift+Tab');
    await expectFocus('button', 'Cancel', 'Shift+Tab from its first goes round to its last', true);
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await expectFocus('button', 'Revoke', 'Escape closes the dialog and focus returns to Revoke');
    check(JSON.parse((await apiFromPage('GET', `/api/connections/${ns}/jira-kb`)).body).revoked === false, 'Escape revoked nothing');
    await page.keyboard.press('Enter');
    await expectFocus('button', 'Cancel', 'Enter opens the dialog again', true);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    // The Connection is revoked once its Revoke button goes (virustotal below waits for the status).
    await page.getByRole('button', { name: 'Revoke' }).waitFor({ state: 'detached' });
    await expectFocus('button', 'Replace credentials', 'after Revoke (its button gone), focus is on the next action');
    ok('a Connection is revoked from the keyboard alone');
    await press('Delete');
    await expectFocus('button', 'Cancel', 'Delete opens its dialog with focus on Cancel', true);
    await page.keyboard.press('Shift+Tab');
    await expectFocus('button', 'Delete', 'Shift+Tab reaches the dialog\'s Delete', true);
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'jira', exact: true }).waitFor();
    await expectFocus('h1', 'Connections', 'after Delete, focus is on the Connections heading');
    check(await page.getByRole('link', { name: 'jira-kb' }).waitFor({ state: 'detached', timeout: 30000 }).then(() => true, () => false),
      'a Connection is deleted from the keyboard alone');

    await page.goto(`${url}/#/connections/${ns}/virustotal`);
    await page.getByRole('heading', { name: `${ns}/virustotal` }).waitFor();
    await page.getByRole('button', { name: 'Revoke' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    check((await dialog.textContent()).includes('app-1'), 'the revoke dialog lists the pods whose annotations allow it',
      await dialog.textContent());
    await axe('the revoke dialog');
    await shot('revoke-dialog');
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    const revoked = await page.getByText('Not ready (Revoked)').waitFor({ timeout: 30000 }).then(() => true, () => false);
    check(revoked, 'the revoked Connection shows Revoked');
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'jira', exact: true }).waitFor();
    check(await page.getByRole('link', { name: 'virustotal' }).waitFor({ state: 'detached', timeout: 30000 }).then(() => true, () => false),
      'the deleted Connection is gone from the list');
    await press('Sign out', 'button', 'Shift+Tab');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectFocus('h1', 'Sign in', 'after Sign out from the keyboard, focus is on the Sign in heading');
    const after = await apiFromPage('GET', '/api/connections');
    check(after.status === 401, 'after sign-out the API refuses the old session', String(after.status));

    // --- A read-only user ---
    await signIn(env('READER_TOKEN'));
    await page.getByRole('link', { name: 'jira', exact: true }).waitFor();
    await page.waitForLoadState('networkidle');
    check(await page.getByRole('link', { name: 'New connection' }).count() === 0, 'a reader sees no New connection');
    await page.getByRole('link', { name: 'jira', exact: true }).click();
    await page.getByRole('heading', { name: `${ns}/jira` }).waitFor();
    await page.getByText('Service').first().waitFor();
    await page.waitForLoadState('networkidle');
    check(await page.getByRole('button', { name: 'Revoke' }).count() === 0 &&
      await page.getByRole('button', { name: 'Delete' }).count() === 0, 'a reader sees no Revoke or Delete');
    check(await page.getByRole('button', { name: 'Share', exact: true }).count() === 0 &&
      await page.getByRole('button', { name: /Stop sharing/ }).count() === 0, 'a reader sees no Share or Stop sharing');
    const shared = await apiFromPage('POST', `/api/connections/${ns}/jira/share`, { serviceAccount: 'reader' });
    check(shared.status === 403, 'the server refuses a reader\'s share (403 from the API server)', `${shared.status} ${shared.body}`);
    await page.getByRole('link', { name: 'Secrets' }).click();
    await page.getByText('production: set').first().waitFor();
    await page.waitForLoadState('networkidle');
    check(await page.getByRole('link', { name: 'New secret' }).count() === 0 &&
      await page.getByRole('button', { name: /Delete/ }).count() === 0, 'a reader sees no New secret or Delete');
    await shot('read-only');
    const del = await apiFromPage('DELETE', `/api/connections/${ns}/jira`);
    check(del.status === 403 && /forbidden/.test(del.body), 'the server refuses a reader\'s delete (403 from the API server)', `${del.status} ${del.body}`);
    const create = await apiFromPage('POST', `/api/secrets/${ns}`, { name: 'x', environments: { p: 'A'.repeat(160) } });
    check(create.status === 403, 'the server refuses a reader\'s create', `${create.status} ${create.body}`);

    // --- Delete the Secret as the author ---
    await signOut();
    await signIn(env('AUTHOR_TOKEN'));
    await page.getByRole('link', { name: 'Secrets' }).click();
    // From the keyboard first, then with the mouse; both are gone once the list is empty.
    await page.getByRole('button', { name: 'Delete api-kb' }).waitFor();
    await press('Delete api-kb');
    await expectFocus('button', 'Cancel', 'Delete opens its dialog with focus on Cancel', true);
    await axe('the delete-secret dialog');
    await page.keyboard.press('Shift+Tab');
    await expectFocus('button', 'Delete', 'Shift+Tab reaches the dialog\'s Delete', true);
    await page.keyboard.press('Enter');
    await expectFocus('h1', 'Secrets', 'after the delete, focus is on the Secrets heading');
    await page.getByRole('button', { name: 'Delete api-kb' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Delete db-password' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No secrets').waitFor({ timeout: 30000 });
    ok('a Secret is deleted from the keyboard alone, and one with the mouse, after the confirmation');
  } else {
    throw new Error(`unknown phase ${phase}`);
  }
  check(consoleErrors.filter((e) => !/^Failed to load resource: the server responded with a status of 40[13]/.test(e)).length === 0, 'no script error in the console', consoleErrors.join('\n     '));
} catch (e) {
  bad(`${phase}: ${e.message.split('\n')[0]}`);
  await shot(`failure-${phase}`).catch(() => {});
} finally {
  await browser.close();
}
finish(phase);
