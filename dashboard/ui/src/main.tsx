// The dashboard's pages: sign-in, Connections (list, detail, new), Secrets (list, new, set or
// remove a value). Hash routes (#/connections, #/connections/NS/NAME, #/secrets) so the server
// serves one page. Accessibility (WCAG 2.2 AA): every input has a visible <label>, errors are
// tied to their input (aria-describedby, aria-invalid) and focus moves to the first, dialogs are
// native <dialog>s that keep Tab inside and give focus back to what opened them, and status changes
// are announced in a polite live region. Everything works from the keyboard: a control that opens
// or closes a part of the page moves focus into it and back, never to the page's body.
import { render } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, permissions, setSignedOutHandler, type Permissions } from './api';
import { seal, type SealingKey } from './seal';
import { fieldProblem, isDns1123Label, isDns1123Subdomain, type PackField } from './validate';

interface Pack { name: string; displayName: string; description: string; authType: string; fields: PackField[] }
interface Condition { type: string; status: string; reason: string; message: string; time: string }
interface Connection {
  namespace: string; name: string; pack: string; service: string; authType: string; ready: string; reason: string;
  message: string; expiresAt: string; owner: string; created: string; revoked: boolean; source: string; deleting?: boolean;
  authorizable?: boolean; redirectURI?: string;
  conditions?: Condition[]; events?: { type: string; reason: string; message: string; time: string; count: number }[];
  pods?: { name: string; serviceAccount: string }[]; sealedFields?: string[];
  users?: User[]; usersForbidden?: boolean;
}
// A ServiceAccount that may `use` it ("*": every ServiceAccount of the namespace), and the
// RoleBinding that says so; shared: written by Share (or kubectl dragops share), so it can be undone here.
interface User { serviceAccount: string; binding: string; shared: boolean }
interface Environment { name: string; set: boolean; source: string }
interface DSecret {
  namespace: string; name: string; environments: Environment[]; ready: string; reason: string; message: string;
  created: string; owner: string; deleting?: boolean; pods?: { name: string; serviceAccount: string }[];
}

// --- announcements -------------------------------------------------------------------------
let announce: (text: string) => void = () => {};

function age(created: string): string {
  if (!created) return '';
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(created)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/connections');
  useEffect(() => {
    const f = () => setHash(location.hash || '#/connections');
    addEventListener('hashchange', f);
    return () => removeEventListener('hashchange', f);
  }, []);
  return hash;
}

function defaultNamespace(user: string): string {
  const m = /^system:serviceaccount:([^:]+):/.exec(user);
  return m ? m[1] : 'default';
}

// After a submit with errors, focus moves to the first invalid field once it has rendered: setState
// renders later, so a query in the submit handler itself would find the previous render's fields
// (none, the first time). Returns the function a submit calls when it found errors.
function useFocusFirstError(): () => void {
  const [attempt, setAttempt] = useState(0);
  useLayoutEffect(() => {
    if (attempt) document.querySelector<HTMLElement>('main [aria-invalid="true"]')?.focus();
  }, [attempt]);
  return () => setAttempt((n) => n + 1);
}

// A part that opens in place (a form below a button) takes focus on its first field, and gives it
// back to the control that opened it when it closes, as a dialog does.
function useFocusInto(firstFieldId: string) {
  useLayoutEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    document.getElementById(firstFieldId)?.focus();
    return () => { if (opener?.isConnected) opener.focus(); };
  }, []);
}
function OpensInPlace({ first, children }: { first: string; children: preact.ComponentChildren }) {
  useFocusInto(first);
  return <>{children}</>;
}

// --- small components ------------------------------------------------------------------------
function TextField(props: { id: string; label: string; value: string; onInput: (v: string) => void; error?: string;
  type?: string; description?: string; required?: boolean; autocomplete?: string }) {
  const describedBy = [props.description || !props.required ? `${props.id}-help` : '', props.error ? `${props.id}-error` : '']
    .filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.description || !props.required ? (
        <p id={`${props.id}-help`} class="help">{props.required ? '' : 'Optional. '}{props.description ?? ''}</p>
      ) : null}
      <input id={props.id} name={props.id} type={props.type ?? 'text'} value={props.value}
        autocomplete={props.autocomplete ?? 'off'} spellcheck={false} required={props.required}
        aria-invalid={props.error ? 'true' : undefined} aria-describedby={describedBy}
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)} />
      {props.error ? <p id={`${props.id}-error`} class="error">{props.error}</p> : null}
    </div>
  );
}

function Confirm(props: { title: string; confirm: string; onConfirm: () => void; onCancel: () => void;
  children: preact.ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  const unmounting = useRef(false);
  // Focus goes to Cancel (autofocus) and comes back to the button that opened the dialog, also when
  // the dialog goes away by being unmounted (which, unlike close(), restores nothing by itself).
  useLayoutEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const dialog = ref.current!;
    dialog.showModal();
    return () => {
      unmounting.current = true;
      dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  // Tab and Shift+Tab go round the dialog's buttons; a modal dialog alone lets Tab leave it for the
  // browser's own controls.
  const keepTabInside = (e: KeyboardEvent) => {
    if (e.key !== 'Tab') return;
    const items = Array.from(ref.current!.querySelectorAll<HTMLElement>('button:not([disabled]), a[href], input, select'));
    if (items.length === 0) return;
    const [first, last] = [items[0], items[items.length - 1]];
    const at = document.activeElement;
    if (e.shiftKey && (at === first || !ref.current!.contains(at))) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && (at === last || !ref.current!.contains(at))) { e.preventDefault(); first.focus(); }
  };
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onKeyDown={keepTabInside}
      onCancel={(e) => { e.preventDefault(); props.onCancel(); }}
      onClose={() => { if (!unmounting.current) props.onCancel(); }}>
      <h2 id="confirm-title">{props.title}</h2>
      {props.children}
      <div class="actions">
        <button type="button" class="danger" onClick={props.onConfirm}>{props.confirm}</button>
        <button type="button" onClick={props.onCancel} autofocus>Cancel</button>
      </div>
    </dialog>
  );
}

function ErrorBox({ error }: { error: string }) {
  return error ? <p class="error-box" role="alert">{error}</p> : null;
}

function NamespaceFilter(props: { value: string; onChange: (v: string) => void; namespaces: string[] }) {
  const [text, setText] = useState(props.value);
  return (
    <form class="filter" role="search" onSubmit={(e) => { e.preventDefault(); props.onChange(text.trim()); }}>
      <label for="ns-filter">Namespace</label>
      <input id="ns-filter" list="ns-list" value={text} placeholder="all you may list"
        onInput={(e) => setText((e.target as HTMLInputElement).value)} />
      <datalist id="ns-list">{props.namespaces.map((n) => <option value={n} key={n} />)}</datalist>
      <button type="submit">Filter</button>
    </form>
  );
}

function Ready({ status, reason }: { status: string; reason: string }) {
  const cls = status === 'True' ? 'ok' : status === 'False' ? 'bad' : 'unknown';
  const text = status === 'True' ? 'Ready' : status === 'False' ? 'Not ready' : 'Pending';
  return <span class={`badge ${cls}`}>{text}{reason ? ` (${reason})` : ''}</span>;
}

// --- sign in ------------------------------------------------------------------------------
function SignIn({ onSignedIn }: { onSignedIn: (user: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [oidc, setOidc] = useState(false);
  useEffect(() => {
    api<{ oidc: boolean }>('GET', '/api/sign-in-options').then((r) => setOidc(r.oidc)).catch(() => setOidc(false));
  }, []);
  const focusFirstError = useFocusFirstError();
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (!token.trim()) { setError('Token is required'); focusFirstError(); return; }
    setBusy(true);
    try {
      const r = await api<{ user: string }>('POST', '/api/session', { token: token.trim() });
      setToken('');
      announce(`Signed in as ${r.user}`);
      onSignedIn(r.user);
    } catch (err) {
      setError(message(err));
      focusFirstError();
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main">
      <h1>Sign in</h1>
      <p>Paste a Kubernetes token, for example from <code>kubectl create token NAME</code>. Every action runs with
        your own rights; the token stays on the dashboard server, never in this page.</p>
      <form onSubmit={submit} noValidate>
        <TextField id="token" label="Token" type="password" value={token} onInput={setToken} error={error}
          autocomplete="current-password" required />
        <button type="submit" aria-disabled={busy ? 'true' : undefined}>Sign in</button>
      </form>
      {oidc && (
        // A top-level navigation (not a form: CSP form-action 'self' would block the redirect to
        // the issuer); the dashboard server keeps the PKCE verifier, state and nonce.
        <section aria-label="OIDC sign-in">
          <p>Or sign in at your organisation's identity provider; the dashboard then acts with your ID token.</p>
          <button type="button" onClick={() => window.location.assign('/oidc/login')}>Sign in with OIDC</button>
        </section>
      )}
    </main>
  );
}

// --- connections -----------------------------------------------------------------------------
function ConnectionsList({ namespace, setNamespace, namespaces, user }: { namespace: string;
  setNamespace: (n: string) => void; namespaces: string[]; user: string }) {
  const [items, setItems] = useState<Connection[] | null>(null);
  const [error, setError] = useState('');
  const [perms, setPerms] = useState<Permissions | null>(null);
  useEffect(() => {
    let live = true;
    setItems(null);
    setError('');
    api<{ items: Connection[] }>('GET', `/api/connections?namespace=${encodeURIComponent(namespace)}`)
      .then((r) => { if (live) { setItems(r.items); announce(`${r.items.length} connections`); } })
      .catch((e) => live && setError(message(e)));
    permissions(namespace || defaultNamespace(user)).then((p) => live && setPerms(p)).catch(() => {});
    return () => { live = false; };
  }, [namespace]);
  // While something is being deleted (finalizers), the list is re-read every 2 s.
  useEffect(() => {
    if (!items?.some((c) => c.deleting)) return undefined;
    const timer = setTimeout(() => {
      api<{ items: Connection[] }>('GET', `/api/connections?namespace=${encodeURIComponent(namespace)}`)
        .then((r) => setItems(r.items)).catch(() => {});
    }, 2000);
    return () => clearTimeout(timer);
  }, [items]);
  return (
    <main id="main">
      <h1>Connections</h1>
      <div class="toolbar">
        <NamespaceFilter value={namespace} onChange={setNamespace} namespaces={namespaces} />
        {perms?.connections.create ? <a class="button" href="#/connections/new">New connection</a> : null}
      </div>
      <ErrorBox error={error} />
      {items === null && !error ? <p>Loading…</p> : null}
      {items && items.length === 0 ? <p>No connections{namespace ? ` in ${namespace}` : ''}.</p> : null}
      {items && items.length > 0 ? (
        <table>
          <caption class="visually-hidden">Connections{namespace ? ` in ${namespace}` : ''}</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Namespace</th><th scope="col">Service</th>
            <th scope="col">Auth type</th><th scope="col">Status</th><th scope="col">Message</th>
            <th scope="col">Expires</th><th scope="col">Owner</th><th scope="col">Age</th></tr></thead>
          <tbody>
            {items.map((c) => (
              <tr key={`${c.namespace}/${c.name}`}>
                <th scope="row"><a href={`#/connections/${c.namespace}/${c.name}`}>{c.name}</a></th>
                <td>{c.namespace}</td><td>{c.service}</td><td>{c.authType}</td>
                <td>{c.deleting ? <span class="badge unknown">Deleting</span> : <Ready status={c.ready} reason={c.reason} />}</td><td class="message">{c.message}</td>
                <td>{c.expiresAt}</td><td>{c.owner}</td><td>{age(c.created)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </main>
  );
}

function PackFields(props: { pack: Pack; values: Record<string, string>; errors: Record<string, string>;
  setValue: (name: string, v: string) => void }) {
  return (
    <fieldset>
      <legend>{props.pack.displayName} credentials</legend>
      {props.pack.fields.map((f) => (
        <TextField key={f.name} id={`field-${f.name}`} label={f.label} description={f.description}
          type={f.secret ? 'password' : f.format === 'email' ? 'email' : f.format === 'url' ? 'url' : 'text'}
          required={f.required} value={props.values[f.name] ?? ''} error={props.errors[f.name]}
          autocomplete={f.secret ? 'new-password' : 'off'} onInput={(v) => props.setValue(f.name, v)} />
      ))}
    </fieldset>
  );
}

function validateFields(pack: Pack, values: Record<string, string>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const f of pack.fields) {
    const problem = fieldProblem(f, values[f.name] ?? '');
    if (problem) errors[f.name] = `${f.label} ${problem}`;
  }
  return errors;
}

async function sealFields(pack: Pack, values: Record<string, string>, namespace: string, name: string) {
  const key = await api<SealingKey>('GET', '/api/sealing-key');
  const sealed: Record<string, string> = {};
  for (const f of pack.fields) {
    const v = values[f.name] ?? '';
    if (v !== '') sealed[f.name] = await seal(key, namespace, 'Connection', name, f.name, v);
  }
  return sealed;
}

function NewConnection({ user, namespace: initialNs }: { user: string; namespace: string }) {
  const [packs, setPacks] = useState<Pack[]>([]);
  const [packName, setPackName] = useState('');
  const [name, setName] = useState('');
  const [namespace, setNamespace] = useState(initialNs || defaultNamespace(user));
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api<{ items: Pack[] }>('GET', '/api/packs').then((r) => setPacks(r.items)).catch((e) => setError(message(e)));
  }, []);
  const pack = packs.find((p) => p.name === packName);
  const focusFirstError = useFocusFirstError();
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setError('');
    const errs: Record<string, string> = {};
    if (!pack) errs.pack = 'Service is missing';
    if (!isDns1123Subdomain(name)) errs.name = 'Name must be lower-case letters, digits, \'-\' or \'.\', starting and ending with a letter or digit';
    if (!isDns1123Label(namespace)) errs.namespace = 'Namespace must be a DNS-1123 label';
    if (pack) Object.assign(errs, validateFields(pack, values));
    setErrors(errs);
    if (Object.keys(errs).length > 0) {
      announce(`${Object.keys(errs).length} fields need attention`);
      focusFirstError();
      return;
    }
    setBusy(true);
    try {
      const body: Record<string, unknown> = { name, pack: pack!.name };
      if (pack!.authType !== 'oauth2') body.sealedCredentials = await sealFields(pack!, values, namespace, name);
      else body.oauthClientSecret = values.__client ?? '';
      await api('POST', `/api/connections/${namespace}`, body);
      setValues({});
      announce(`Connection ${name} created`);
      location.hash = `#/connections/${namespace}/${name}`;
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main">
      <h1>Connections</h1>
      <h2>New connection</h2>
      <ErrorBox error={error} />
      <form onSubmit={submit} noValidate>
        <div class="field">
          <label for="pack">Service</label>
          <select id="pack" value={packName} aria-invalid={errors.pack ? 'true' : undefined}
            aria-describedby={errors.pack ? 'pack-error' : undefined}
            onChange={(e) => { setPackName((e.target as HTMLSelectElement).value); setErrors({}); }}>
            <option value="">Choose a service…</option>
            {packs.map((p) => <option key={p.name} value={p.name}>{p.displayName} ({p.authType})</option>)}
          </select>
          {errors.pack ? <p id="pack-error" class="error">{errors.pack}</p> : null}
        </div>
        <TextField id="name" label="Name" value={name} onInput={setName} error={errors.name} required />
        <TextField id="namespace" label="Namespace" value={namespace} onInput={setNamespace} error={errors.namespace} required />
        {pack && pack.authType !== 'oauth2' ? (
          <PackFields pack={pack} values={values} errors={errors}
            setValue={(n, v) => setValues({ ...values, [n]: v })} />
        ) : null}
        {pack && pack.authType === 'oauth2' ? (
          <TextField id="oauth-client" label="OAuth client Secret" value={values.__client ?? ''}
            description="A core Secret in the namespace with client_id and client_secret"
            onInput={(v) => setValues({ ...values, __client: v })} required />
        ) : null}
        <p class="help">Values are sealed in this browser to the cluster's sealing key; the dashboard server never
          sees them.</p>
        <button type="submit" aria-disabled={busy ? 'true' : undefined}>Create</button>
        <a class="button secondary" href="#/connections">Cancel</a>
      </form>
    </main>
  );
}

function ConnectionDetail({ namespace, name }: { namespace: string; name: string }) {
  const [c, setC] = useState<Connection | null>(null);
  const [error, setError] = useState('');
  const [perms, setPerms] = useState<Permissions | null>(null);
  const [confirm, setConfirm] = useState<'' | 'revoke' | 'delete'>('');
  const [replacing, setReplacing] = useState(false);
  const [pack, setPack] = useState<Pack | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const focusFirstError = useFocusFirstError();
  // Once revoked, the Revoke button that had focus is gone: focus moves to the next action.
  const actions = useRef<HTMLDivElement>(null);
  const focusAfterRevoke = useRef(false);
  useLayoutEffect(() => {
    if (!focusAfterRevoke.current || !c?.revoked) return;
    focusAfterRevoke.current = false;
    (actions.current?.querySelector<HTMLElement>('button') ?? document.querySelector<HTMLElement>('h1'))?.focus();
  }, [c]);
  const load = () => api<Connection>('GET', `/api/connections/${namespace}/${name}`).then(setC).catch((e) => setError(message(e)));
  useEffect(() => {
    load();
    permissions(namespace).then(setPerms).catch(() => {});
  }, [namespace, name]);
  // Until it is Ready (or, once revoked, shows Revoked) the status is re-read every 2 s, and a change is announced.
  const previous = useRef('');
  useEffect(() => {
    if (!c) return undefined;
    const state = `${c.ready} ${c.reason}`;
    if (previous.current && previous.current !== state) {
      announce(`${name}: ${c.ready === 'True' ? 'Ready' : 'not ready'}${c.reason ? `, ${c.reason}` : ''}`);
    }
    previous.current = state;
    const settled = c.revoked ? c.reason === 'Revoked' : c.ready === 'True';
    if (settled) return undefined;
    const timer = setTimeout(load, 2000);
    return () => clearTimeout(timer);
  }, [c]);
  const act = async (what: 'revoke' | 'delete') => {
    setConfirm('');
    try {
      if (what === 'revoke') {
        await api('PATCH', `/api/connections/${namespace}/${name}`, { revoked: true });
        announce(`Connection ${name} revoked`);
        focusAfterRevoke.current = true;
        load();
      } else {
        await api('DELETE', `/api/connections/${namespace}/${name}`);
        announce(`Connection ${name} deleted`);
        location.hash = '#/connections';
      }
    } catch (err) {
      setError(message(err));
    }
  };
  const startReplace = async () => {
    try {
      const packs = await api<{ items: Pack[] }>('GET', '/api/packs');
      setPack(packs.items.find((p) => p.name === c?.pack) ?? null);
      setReplacing(true);
    } catch (err) {
      setError(message(err));
    }
  };
  const replace = async (e: Event) => {
    e.preventDefault();
    if (!pack) return;
    const errs = validateFields(pack, values);
    setErrors(errs);
    if (Object.keys(errs).length > 0) { focusFirstError(); return; }
    try {
      const sealed: Record<string, string | null> = await sealFields(pack, values, namespace, name);
      for (const f of pack.fields) if (!(f.name in sealed)) sealed[f.name] = null;
      await api('PATCH', `/api/connections/${namespace}/${name}`, { sealedCredentials: sealed });
      setValues({});
      setReplacing(false);
      announce(`Credentials of ${name} replaced`);
      load();
    } catch (err) {
      setError(message(err));
    }
  };
  const [callback, setCallback] = useState<{ configured: boolean; reachable: boolean; message: string } | null>(null);
  useEffect(() => {
    if (c?.authType === 'oauth2' && !callback) api('GET', '/api/oauth/callback-check').then(setCallback).catch(() => {});
  }, [c]);
  const authorize = async () => {
    try {
      const r = await api<{ url: string }>('POST', `/api/connections/${namespace}/${name}/authorize`, {});
      announce('Opening the provider to authorize');
      location.assign(r.url);
    } catch (err) {
      setError(message(err));
    }
  };
  const failedAuth = c ? ['AuthorizationDenied', 'AuthorizationFailed', 'RefreshFailed'].includes(c.reason) ||
    (c.conditions ?? []).some((k) => k.type === 'Refreshed' && k.status === 'False') : false;
  const pods = c?.pods ?? [];
  return (
    <main id="main">
      <h1>Connections</h1>
      <p><a href="#/connections">All connections</a></p>
      <h2>{namespace}/{name}</h2>
      <ErrorBox error={error} />
      {c ? (
        <>
          <dl class="facts">
            <dt>Service</dt><dd>{c.service}</dd>
            <dt>Auth type</dt><dd>{c.authType}</dd>
            <dt>Status</dt><dd><Ready status={c.ready} reason={c.reason} /></dd>
            <dt>Message</dt><dd>{c.message}</dd>
            {c.expiresAt ? <><dt>Expires</dt><dd>{c.expiresAt}</dd></> : null}
            <dt>Owner</dt><dd>{c.owner || 'not recorded'}</dd>
            <dt>Age</dt><dd>{age(c.created)}</dd>
            <dt>Revoked</dt><dd>{c.revoked ? 'yes' : 'no'}</dd>
            {c.authType === 'oauth2' && c.redirectURI ? <><dt>Redirect URI</dt><dd><code>{c.redirectURI}</code> (register it at the provider)</dd></> : null}
            {c.authType === 'oauth2' && callback ? <><dt>Callback</dt><dd>{callback.message}</dd></> : null}
          </dl>
          <div class="actions" ref={actions}>
            {perms?.connections.patch && c.authType === 'oauth2' && c.authorizable && !c.revoked ? (
              <button type="button" onClick={authorize}>{failedAuth ? 'Reconnect' : 'Authorize'}</button>
            ) : null}
            {perms?.connections.patch && !c.revoked ? <button type="button" onClick={() => setConfirm('revoke')}>Revoke</button> : null}
            {perms?.connections.patch && c.authType !== 'oauth2' ? <button type="button" onClick={startReplace}>Replace credentials</button> : null}
            {perms?.connections.delete ? <button type="button" class="danger" onClick={() => setConfirm('delete')}>Delete</button> : null}
          </div>
          {replacing && pack ? (
            <OpensInPlace first={`field-${pack.fields[0]?.name}`}>
              <form onSubmit={replace} noValidate>
                <PackFields pack={pack} values={values} errors={errors} setValue={(n, v) => setValues({ ...values, [n]: v })} />
                <button type="submit">Save credentials</button>
                <button type="button" class="secondary" onClick={() => setReplacing(false)}>Cancel</button>
              </form>
            </OpensInPlace>
          ) : null}
          <h3>Conditions</h3>
          <table>
            <thead><tr><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Message</th><th scope="col">Since</th></tr></thead>
            <tbody>{(c.conditions ?? []).map((k) => (
              <tr key={k.type}><th scope="row">{k.type}</th><td>{k.status}</td><td>{k.reason}</td><td class="message">{k.message}</td><td>{k.time}</td></tr>
            ))}</tbody>
          </table>
          <h3>Events</h3>
          {(c.events ?? []).length === 0 ? <p>No events.</p> : (
            <ol class="timeline">{c.events!.map((ev, i) => (
              <li key={i}><time>{ev.time}</time> <strong>{ev.reason}</strong> ({ev.type}{ev.count > 1 ? `, ${ev.count} times` : ''}): {ev.message}</li>
            ))}</ol>
          )}
          <h3>Pods allowed to read it</h3>
          {pods.length === 0 ? <p>No pod's <code>dragops.io/connections</code> annotation names it.</p> : (
            <ul>{pods.map((p) => <li key={p.name}>{p.name} (ServiceAccount {p.serviceAccount || 'default'})</li>)}</ul>
          )}
          <Sharing resource="connections" namespace={namespace} name={name} users={c.users ?? []}
            forbidden={!!c.usersForbidden} mayShare={!!perms?.share} reload={load} setError={setError} />
          {confirm ? (
            <Confirm title={confirm === 'revoke' ? `Revoke ${name}?` : `Delete ${name}?`}
              confirm={confirm === 'revoke' ? 'Revoke' : 'Delete'} onConfirm={() => act(confirm)} onCancel={() => setConfirm('')}>
              <p>{confirm === 'revoke' ? 'The store is removed and pods stop getting this credential.' : 'The Connection and its store are deleted.'}</p>
              {pods.length > 0 ? (
                <><p>These pods' annotations allow it:</p><ul>{pods.map((p) => <li key={p.name}>{p.name}</li>)}</ul></>
              ) : <p>No pod's annotations allow it.</p>}
            </Confirm>
          ) : null}
        </>
      ) : !error ? <p>Loading…</p> : null}
    </main>
  );
}

// Who may use a Connection (docs/sharing.md), and sharing it with a ServiceAccount of its namespace.
function Sharing(props: { resource: 'connections' | 'secrets'; namespace: string; name: string; users: User[];
  forbidden: boolean; mayShare: boolean; reload: () => void; setError: (e: string) => void }) {
  const { resource, namespace, name, users } = props;
  const [serviceAccount, setServiceAccount] = useState('');
  const [problem, setProblem] = useState('');
  const share = async (e: Event) => {
    e.preventDefault();
    if (!isDns1123Subdomain(serviceAccount)) {
      setProblem('ServiceAccount must be lower-case letters, digits, \'-\' or \'.\', starting and ending with a letter or digit');
      document.getElementById('share-sa')?.focus();
      return;
    }
    setProblem('');
    try {
      await api('POST', `/api/${resource}/${namespace}/${name}/share`, { serviceAccount });
      announce(`${name} shared with ServiceAccount ${serviceAccount}`);
      setServiceAccount('');
      props.reload();
    } catch (err) {
      props.setError(message(err));
    }
  };
  const unshare = async (who: string) => {
    try {
      await api('DELETE', `/api/${resource}/${namespace}/${name}/share/${who}`);
      announce(`${name} no longer shared with ServiceAccount ${who}`);
      // Its button goes away with the row: focus moves to the ServiceAccount field, not the body.
      document.getElementById('share-sa')?.focus();
      props.reload();
    } catch (err) {
      props.setError(message(err));
    }
  };
  return (
    <section aria-labelledby="users-heading">
      <h3 id="users-heading">Who may use it</h3>
      {props.forbidden ? <p>You may not read the RoleBindings of {namespace}, so who may use it is not shown.</p>
        : users.length === 0 ? <p>No ServiceAccount may use it yet: a pod that asks for it is denied.</p> : (
          <ul class="users">{users.map((u) => (
            <li key={`${u.binding}/${u.serviceAccount}`}>
              {u.serviceAccount === '*' ? 'Every ServiceAccount of the namespace' : `ServiceAccount ${u.serviceAccount}`}
              {' '}(RoleBinding {u.binding})
              {u.shared && props.mayShare ? (
                <> <button type="button" class="secondary" aria-label={`Stop sharing with ${u.serviceAccount}`}
                  onClick={() => unshare(u.serviceAccount)}>Stop sharing</button></>
              ) : null}
            </li>
          ))}</ul>
        )}
      {props.mayShare ? (
        <form onSubmit={share} noValidate>
          <TextField id="share-sa" label="ServiceAccount" value={serviceAccount} onInput={setServiceAccount} error={problem}
            description="Pods that run as this ServiceAccount in the namespace may use it" required />
          <button type="submit">Share</button>
        </form>
      ) : null}
    </section>
  );
}

// --- secrets ---------------------------------------------------------------------------------
function SecretsPage({ namespace, setNamespace, namespaces, user }: { namespace: string;
  setNamespace: (n: string) => void; namespaces: string[]; user: string }) {
  const [items, setItems] = useState<DSecret[] | null>(null);
  const [error, setError] = useState('');
  const [perms, setPerms] = useState<Permissions | null>(null);
  const [confirm, setConfirm] = useState<DSecret | null>(null);
  const [editing, setEditing] = useState<DSecret | null>(null);
  const load = () => api<{ items: DSecret[] }>('GET', `/api/secrets?namespace=${encodeURIComponent(namespace)}`)
    .then((r) => { setItems(r.items); announce(`${r.items.length} secrets`); }).catch((e) => setError(message(e)));
  useEffect(() => {
    setItems(null);
    setError('');
    load();
    permissions(namespace || defaultNamespace(user)).then(setPerms).catch(() => {});
  }, [namespace]);
  useEffect(() => {
    if (!items?.some((x) => x.deleting)) return undefined;
    const timer = setTimeout(load, 2000);
    return () => clearTimeout(timer);
  }, [items]);
  const remove = async (s: DSecret) => {
    setConfirm(null);
    try {
      await api('DELETE', `/api/secrets/${s.namespace}/${s.name}`);
      announce(`Secret ${s.name} deleted`);
      // Its row's buttons go away with it: focus moves to the page's heading, not the body.
      document.querySelector<HTMLElement>('h1')?.focus();
      load();
    } catch (err) {
      setError(message(err));
    }
  };
  return (
    <main id="main">
      <h1>Secrets</h1>
      <div class="toolbar">
        <NamespaceFilter value={namespace} onChange={setNamespace} namespaces={namespaces} />
        {perms?.secrets.create ? <a class="button" href="#/secrets/new">New secret</a> : null}
      </div>
      <ErrorBox error={error} />
      {items === null && !error ? <p>Loading…</p> : null}
      {items && items.length === 0 ? <p>No secrets{namespace ? ` in ${namespace}` : ''}.</p> : null}
      {items && items.length > 0 ? (
        <table>
          <caption class="visually-hidden">Secrets</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Namespace</th><th scope="col">Environments</th>
            <th scope="col">Status</th><th scope="col">Age</th><th scope="col">Actions</th></tr></thead>
          <tbody>{items.map((s) => (
            <tr key={`${s.namespace}/${s.name}`}>
              <th scope="row">{s.name}</th><td>{s.namespace}</td>
              <td><ul class="envs">{s.environments.map((e) => <li key={e.name}>{e.name}: {e.set ? 'set' : 'not set'}</li>)}</ul></td>
              <td>{s.deleting ? <span class="badge unknown">Deleting</span> : <Ready status={s.ready} reason={s.reason} />}</td><td>{age(s.created)}</td>
              <td class="actions">
                {perms?.secrets.patch ? <button type="button" aria-label={`Set a value of ${s.name}`} onClick={() => setEditing(s)}>Set value</button> : null}
                {perms?.secrets.delete && !s.deleting ? <button type="button" class="danger" aria-label={`Delete ${s.name}`} onClick={() => setConfirm(s)}>Delete</button> : null}
              </td>
            </tr>
          ))}</tbody>
        </table>
      ) : null}
      {editing ? <SetValue key={`${editing.namespace}/${editing.name}`} secret={editing} done={() => { setEditing(null); load(); }} /> : null}
      {confirm ? (
        <Confirm title={`Delete ${confirm.name}?`} confirm="Delete" onConfirm={() => remove(confirm)} onCancel={() => setConfirm(null)}>
          <p>The Secret {confirm.namespace}/{confirm.name} and every environment's value are deleted.</p>
        </Confirm>
      ) : null}
    </main>
  );
}

function SetValue({ secret, done }: { secret: DSecret; done: () => void }) {
  const [env, setEnv] = useState('');
  const [value, setValue] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState('');
  useFocusInto('set-env');
  const focusFirstError = useFocusFirstError();
  const submit = async (e: Event) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!isDns1123Label(env)) errs.env = 'Environment must be a DNS-1123 label';
    if (value === '') errs.value = 'Value is missing';
    setErrors(errs);
    if (Object.keys(errs).length) { focusFirstError(); return; }
    try {
      const key = await api<SealingKey>('GET', '/api/sealing-key');
      const sealed = await seal(key, secret.namespace, 'Secret', secret.name, env, value);
      await api('PATCH', `/api/secrets/${secret.namespace}/${secret.name}`, { environments: { [env]: sealed } });
      setValue('');
      announce(`${env} of ${secret.name} set`);
      done();
    } catch (err) {
      setError(message(err));
    }
  };
  return (
    <section aria-labelledby="set-title">
      <h2 id="set-title">Set a value of {secret.name}</h2>
      <ErrorBox error={error} />
      <form onSubmit={submit} noValidate>
        <TextField id="set-env" label="Environment" value={env} onInput={setEnv} error={errors.env} required />
        <TextField id="set-value" label="Value" type="password" value={value} onInput={setValue} error={errors.value}
          autocomplete="new-password" required />
        <button type="submit">Save value</button>
        <button type="button" class="secondary" onClick={done}>Cancel</button>
      </form>
    </section>
  );
}

function NewSecret({ user, namespace: initialNs }: { user: string; namespace: string }) {
  const [name, setName] = useState('');
  const [namespace, setNamespace] = useState(initialNs || defaultNamespace(user));
  const [envs, setEnvs] = useState([{ env: 'production', value: '' }]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const update = (i: number, part: 'env' | 'value', v: string) =>
    setEnvs(envs.map((e, j) => (j === i ? { ...e, [part]: v } : e)));
  const focusFirstError = useFocusFirstError();
  // Add environment moves focus to the new environment's name, which renders after the click.
  const added = useRef(false);
  useLayoutEffect(() => {
    if (!added.current) return;
    added.current = false;
    document.getElementById(`env-${envs.length - 1}`)?.focus();
  }, [envs.length]);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const errs: Record<string, string> = {};
    if (!isDns1123Subdomain(name)) errs.name = 'Name must be lower-case letters, digits, \'-\' or \'.\', starting and ending with a letter or digit';
    if (!isDns1123Label(namespace)) errs.namespace = 'Namespace must be a DNS-1123 label';
    const seen = new Set<string>();
    envs.forEach((row, i) => {
      if (!isDns1123Label(row.env)) errs[`env${i}`] = `Environment ${i + 1} must be a DNS-1123 label`;
      else if (seen.has(row.env)) errs[`env${i}`] = `Environment ${i + 1} appears twice`;
      seen.add(row.env);
      if (row.value === '') errs[`value${i}`] = `Value ${i + 1} is missing`;
    });
    setErrors(errs);
    if (Object.keys(errs).length) {
      announce(`${Object.keys(errs).length} fields need attention`);
      focusFirstError();
      return;
    }
    setBusy(true);
    try {
      const key = await api<SealingKey>('GET', '/api/sealing-key');
      const environments: Record<string, string> = {};
      for (const row of envs) environments[row.env] = await seal(key, namespace, 'Secret', name, row.env, row.value);
      await api('POST', `/api/secrets/${namespace}`, { name, environments });
      announce(`Secret ${name} created`);
      location.hash = '#/secrets';
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main">
      <h1>Secrets</h1>
      <h2>New secret</h2>
      <ErrorBox error={error} />
      <form onSubmit={submit} noValidate>
        <TextField id="name" label="Name" value={name} onInput={setName} error={errors.name} required />
        <TextField id="namespace" label="Namespace" value={namespace} onInput={setNamespace} error={errors.namespace} required />
        {envs.map((row, i) => (
          <fieldset key={i}>
            <legend>Environment {i + 1}</legend>
            <TextField id={`env-${i}`} label={`Environment ${i + 1}`} value={row.env} onInput={(v) => update(i, 'env', v)}
              error={errors[`env${i}`]} required />
            <TextField id={`value-${i}`} label={`Value ${i + 1}`} type="password" value={row.value}
              onInput={(v) => update(i, 'value', v)} error={errors[`value${i}`]} autocomplete="new-password" required />
          </fieldset>
        ))}
        <button type="button" class="secondary" onClick={() => { added.current = true; setEnvs([...envs, { env: '', value: '' }]); }}>Add environment</button>
        <button type="submit" aria-disabled={busy ? 'true' : undefined}>Create</button>
        <a class="button secondary" href="#/secrets">Cancel</a>
      </form>
    </main>
  );
}

// --- the app ---------------------------------------------------------------------------------
function App() {
  const [user, setUser] = useState<string | null | undefined>(undefined);
  const [status, setStatus] = useState('');
  const [namespace, setNamespace] = useState('');
  const [namespaces, setNamespaces] = useState<string[]>([]);
  // Until the dashboard knows whether the user may list across namespaces, no page loads: one that
  // may not sees its own namespace (a ServiceAccount's, else default) instead of a refusal.
  const [scoped, setScoped] = useState(false);
  const hash = useHash();
  announce = (text) => setStatus(text);
  useEffect(() => {
    setSignedOutHandler(() => { setUser(null); setStatus('Your session ended; sign in again'); });
    api<{ user: string }>('GET', '/api/session').then((r) => setUser(r.user)).catch(() => setUser(null));
  }, []);
  useEffect(() => {
    if (!user) { setScoped(false); return; }
    api<{ items: string[]; forbidden: boolean }>('GET', '/api/namespaces').then((r) => {
      setNamespaces(r.items);
      setNamespace(r.forbidden ? defaultNamespace(user) : '');
    }).catch(() => setNamespace(defaultNamespace(user))).finally(() => setScoped(true));
  }, [user]);
  // In the same task as the render (a layout effect), so that a Tab pressed as soon as the page shows
  // is not undone by a focus move that lands after it.
  useLayoutEffect(() => {
    const h1 = document.querySelector<HTMLElement>('h1');
    if (!h1) return;
    h1.tabIndex = -1;
    h1.focus();
  }, [hash, user, scoped]);
  const signOut = async () => {
    try { await api('DELETE', '/api/session'); } catch { /* signed out either way */ }
    setUser(null);
    setStatus('Signed out');
  };
  let page;
  if (user === undefined) page = <main id="main"><p>Loading…</p></main>;
  else if (user === null) page = <SignIn onSignedIn={setUser} />;
  else if (!scoped) page = <main id="main"><p>Loading…</p></main>;
  else {
    const parts = hash.replace(/^#\/?/, '').split('/');
    if (parts[0] === 'secrets' && parts[1] === 'new') page = <NewSecret user={user} namespace={namespace} />;
    else if (parts[0] === 'secrets') page = <SecretsPage namespace={namespace} setNamespace={setNamespace} namespaces={namespaces} user={user} />;
    else if (parts[0] === 'connections' && parts[1] === 'new') page = <NewConnection user={user} namespace={namespace} />;
    else if (parts[0] === 'connections' && parts.length === 3) page = <ConnectionDetail namespace={parts[1]} name={parts[2]} />;
    else page = <ConnectionsList namespace={namespace} setNamespace={setNamespace} namespaces={namespaces} user={user} />;
  }
  const current = hash.startsWith('#/secrets') ? 'secrets' : 'connections';
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <header>
        <span class="brand">dragops</span>
        {user ? (
          <nav aria-label="Main">
            <a href="#/connections" aria-current={current === 'connections' ? 'page' : undefined}>Connections</a>
            <a href="#/secrets" aria-current={current === 'secrets' ? 'page' : undefined}>Secrets</a>
          </nav>
        ) : null}
        {user ? <span class="user">{user} <button type="button" class="secondary" onClick={signOut}>Sign out</button></span> : null}
      </header>
      {page}
      <div role="status" aria-live="polite" class="visually-hidden">{status}</div>
    </>
  );
}

// Headings take focus on navigation so that screen readers announce the new page.
const observer = new MutationObserver(() => document.querySelectorAll('h1:not([tabindex])').forEach((h) => h.setAttribute('tabindex', '-1')));
observer.observe(document.body, { childList: true, subtree: true });
const root = document.getElementById('app')!;
root.textContent = '';
render(<App />, root);
void ApiError;
