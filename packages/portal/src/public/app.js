// @ts-check
// The Instance Portal page. Upstream's hash routes: #/apps (a tab per application: launch, start/stop/restart, its
// log), #/tunnels, #/services (supervisor), #/logs (every log at once, over /ws-logs) and #/tools (Tools & Help);
// system metrics with short charts beside every route. No framework; the server's log HTML is the only markup that
// is not built with textContent (ansi-html.ts escapes it). The rules it follows are pure modules beside it.
import { chooseLaunchUrl, launchPending, PORTAL_PORT } from './launch.js';
import { LOADER_STEPS, LOADER_TIMEOUT_MS, runLoader } from './loader.js';
import { planSecureRedirect, QUICK_TUNNEL_BUDGET_MS, REDIRECT_DELAY_MS, wantsSecureRedirect } from './insecure-redirect.js';
import { isStoppedApplication, orderApplications, sortProcesses, visibleRoutes } from './process-order.js';
import { isTunnelLive, POLL_MS as LIVENESS_POLL_MS, RECHECK_MS, waitForTunnel } from './tunnel-liveness.js';

(() => {
  const POLL_MS = 2000;
  const METRICS_MS = 5000;
  const CHART_SAMPLES = 60;
  const MAX_LOG_LINES = 2000;
  const MAX_ALL_LOG_LINES = 1000;
  const TOKEN_KEY = 'vast-portal-token';
  /** Upstream refreshes the applications' tunnel addresses every 30 s. */
  const CONNECTIONS_MS = 30_000;
  /** The restarted portal is back after about this long; upstream reloads the page then. */
  const PORTAL_RELOAD_MS = 1000;

  /** @typedef {{ name: string, state: string, supervisorState: string, description: string, label: string | null, unstoppable: boolean }} ProcessView */
  /** @typedef {{ label: string, hostname: string, externalPort: number, internalPort: number, path: string, publicPort: number | null, process: ProcessView | null }} ApplicationView */
  /** @typedef {{ label: string, url: string, description: string, icon: string, button_text: string, links: { label: string, url: string }[] }} PortalLink */
  /** @typedef {{ total: number, used: number, percent: number | null }} Usage */
  /** @typedef {{ index: number, name: string, utilization_percent?: number, memory_used_mb?: number, memory_total_mb?: number, temperature_c?: number, power_draw_w?: number, power_limit_w?: number }} GpuReading */
  /** @typedef {{ ram: Usage, disk: Usage, environment: string, cpu: { percent: number | null, count: number }, volume?: Usage & { path: string }, gpu: { count: number, gpus: GpuReading[], summary: string, errors?: { nvidia?: string } } }} SystemMetrics */

  const state = {
    /** @type {ApplicationView[]} */ applications: [],
    /** @type {ProcessView[]} */ processes: [],
    /** @type {string} */ route: 'apps',
    /** @type {string | null} */ selected: null,
    /** @type {string | null} */ token: null,
    /** @type {EventSource | null} */ logSource: null,
    /** @type {string | null} */ logName: null,
    /** @type {Set<string>} */ busy: new Set(),
    /** @type {Record<string, number[]>} */ history: {},
    /** @type {{ id: string | null, gpu: string, direct_https: string, environment: string, tunnels_unavailable: string | null } | null} */ instance:
      null,
    /** Per application label: its direct URL, named and quick tunnel, as last asked. @type {Record<string, Connections>} */
    connections: {},
    /** Per tunnel URL: whether /portal-resolver answered through it. @type {Record<string, boolean>} */
    live: {},
    /** @type {WebSocket | null} */ logSocket: null,
    /** Whether the first look for tunnel addresses ended (answered, or given up after the loader's budget). */
    connectionsSettled: false,
  };

  /** @typedef {{ direct: string | null, named: string | null, quick: string | null }} Connections */
  /** @typedef {{ kind: 'quick' | 'named', hostname: string, tunnelUrl: string, targetUrl: string, state: string }} TunnelRow */

  /** @param {string} id */
  const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

  /**
   * @param {string} tag
   * @param {Record<string, string>} [attrs]
   * @param {(Node | string)[]} [children]
   */
  function h(tag, attrs = {}, children = []) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === 'class') el.className = value;
      else el.setAttribute(key, value);
    }
    for (const c of children) el.append(c);
    return el;
  }

  // A token the page was opened with is kept for this tab's session and added to the open links, so applications
  // on other hosts (tunnels) get it too; it is then removed from the address bar.
  function captureToken() {
    const params = new URLSearchParams(location.search);
    const fromUrl = params.get('token');
    if (fromUrl) {
      sessionStorage.setItem(TOKEN_KEY, fromUrl);
      params.delete('token');
      const query = params.toString();
      history.replaceState(null, '', location.pathname + (query ? `?${query}` : '') + location.hash);
    }
    state.token = sessionStorage.getItem(TOKEN_KEY);
  }

  /** @param {string} path @param {RequestInit} [init] */
  async function api(path, init) {
    const response = await fetch(path, { credentials: 'same-origin', cache: 'no-store', ...init });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || body.detail || `${response.status} ${response.statusText}`);
    return body;
  }

  /**
   * On Vast the browser reaches container port N through the public port VAST_TCP_PORT_N. Use the public ports when
   * this page itself was reached through one; otherwise (docker -p, SSH tunnel) the container ports are the URL ports.
   * @param {ApplicationView} app
   */
  function openUrl(app) {
    const viaPublic = state.applications.some(
      (a) => a.publicPort !== null && String(a.publicPort) === location.port && String(a.externalPort) !== location.port,
    );
    const port = viaPublic && app.publicPort !== null ? app.publicPort : app.externalPort;
    const url = new URL(`${location.protocol}//${location.hostname}:${port}${app.path}`);
    if (state.token) url.searchParams.set('token', state.token);
    return url.toString();
  }

  /** @param {ApplicationView} app */
  function appState(app) {
    return app.process ? app.process.state : 'link';
  }

  /** A text body (upstream's get-existing-* routes), or null. @param {string} path */
  const fetchText = (path) =>
    fetch(path, { cache: 'no-store' }).then(
      (r) => (r.ok ? r.text() : null),
      () => null,
    );

  /**
   * The application's direct URL (the public IP the portal learnt, and the mapped port) and its named and quick
   * tunnels, from upstream's routes.
   * @param {ApplicationView} app @param {Record<string, { target_url: string }>} upstreamApps
   * @returns {Promise<Connections>}
   */
  async function fetchConnections(app, upstreamApps) {
    const direct = api(`/get-direct-url/${app.externalPort}`).then(
      (body) => body.result ?? null,
      () => null,
    );
    if (state.instance?.tunnels_unavailable) return { direct: await direct, named: null, quick: null };
    const target = upstreamApps[app.label]?.target_url;
    const [directUrl, named, quick] = await Promise.all([
      direct,
      fetchText(`/get-existing-named-tunnel/${app.internalPort}`),
      target ? fetchText(`/get-existing-quick-tunnel/${target}`) : Promise.resolve(null),
    ]);
    return { direct: directUrl, named, quick };
  }

  /** @returns {Promise<Record<string, { target_url: string }>>} */
  const fetchUpstreamApps = () => (state.instance?.tunnels_unavailable ? Promise.resolve({}) : api('/get-applications').catch(() => ({})));

  /** Every application's connections, for Launch Application (the loader's "Loading secure tunnels..."). */
  async function gatherConnections() {
    const upstreamApps = await fetchUpstreamApps();
    const found = await Promise.all(state.applications.map(async (app) => [app.label, await fetchConnections(app, upstreamApps)]));
    state.connections = Object.fromEntries(found);
  }

  /**
   * Where Launch Application goes (launch.js); with `directOnly`, the direct address alone.
   * @param {ApplicationView} app @param {Connections | undefined} connections @param {boolean} [directOnly]
   */
  function launchUrl(app, connections, directOnly = false) {
    return chooseLaunchUrl({
      namedTunnel: directOnly ? null : (connections?.named ?? null),
      quickTunnel: directOnly ? null : (connections?.quick ?? null),
      directUrl: connections?.direct ?? openUrl(app),
      directHttps: state.instance?.direct_https === 'true',
      externalPort: app.externalPort,
      path: app.path,
      token: state.token,
    });
  }

  // ---- routes ------------------------------------------------------------------------------------------------

  /** `#/apps/<label>`, `#/logs`, ...; the old `#<label>` still selects an application. */
  function readHash() {
    const hash = decodeURIComponent(location.hash.replace(/^#/, ''));
    const match = hash.match(/^\/([a-z]+)(?:\/(.*))?$/);
    if (match && visibleRoutes(state.instance?.environment).some((r) => r.route === match[1])) {
      state.route = match[1];
      if (match[1] === 'apps' && match[2]) state.selected = match[2];
    } else {
      state.route = 'apps';
      if (hash) state.selected = hash;
    }
  }

  function renderRoutes() {
    const nav = byId('routes');
    const routes = visibleRoutes(state.instance?.environment);
    if (nav.dataset.routes !== routes.map((r) => r.route).join()) {
      nav.dataset.routes = routes.map((r) => r.route).join();
      nav.replaceChildren(
        ...routes.map(({ route, title }) =>
          h('a', { href: `#/${route}`, class: 'route', 'data-route': route, 'data-testid': 'route' }, [title]),
        ),
      );
    }
    for (const link of nav.querySelectorAll('a')) {
      if (link.dataset.route === state.route) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    byId('tabs').hidden = state.route !== 'apps';
  }

  function onHashChange() {
    const before = state.route;
    readHash();
    if (before !== state.route) {
      byId('panel').replaceChildren();
      if (before === 'logs') closeLogSocket();
    }
    render();
  }

  // ---- applications ------------------------------------------------------------------------------------------

  function renderTabs() {
    const tabs = byId('tabs');
    const items = orderApplications(state.applications.map((app) => ({ key: app.label, title: app.label, state: appState(app) })));
    // Rebuild only on change, so a tab that has keyboard focus keeps it across the 2-second refreshes.
    const signature = JSON.stringify([items, state.selected]);
    if (tabs.dataset.signature === signature) return;
    tabs.dataset.signature = signature;
    tabs.replaceChildren(
      ...items.map((item) => {
        const dot = h('span', { class: `dot state-${item.state || 'link'}`, 'aria-hidden': 'true' });
        const stopped = isStoppedApplication(item.state);
        const tab = h(
          'button',
          {
            class: stopped ? 'tab stopped' : 'tab',
            ...(stopped && { title: 'Service Stopped' }),
            role: 'tab',
            type: 'button',
            'data-testid': 'tab',
            'data-key': item.key,
            'aria-selected': String(item.key === state.selected),
          },
          [dot, item.title],
        );
        tab.addEventListener('click', () => select(item.key));
        return tab;
      }),
    );
  }

  /** @param {string} stateName */
  function badge(stateName) {
    return h('span', { class: `badge state-${stateName}`, 'data-testid': 'state' }, [stateName]);
  }

  /**
   * Only the actions that make sense in the program's state: no Start on a running program, no Stop on a stopped
   * or unstoppable one, nothing while an action is pending.
   * @param {ProcessView} process @param {string} action
   */
  function actionAllowed(process, action) {
    if (state.busy.has(process.name) || process.state === 'skipped') return false;
    if (action === 'start') return ['stopped', 'failed', 'unknown'].includes(process.state);
    if (action === 'stop') return !process.unstoppable && ['running', 'starting'].includes(process.state);
    return process.state !== 'stopping';
  }

  /** @param {ProcessView} process @param {boolean} compact */
  function actionButtons(process, compact) {
    return ['start', 'stop', 'restart'].map((action) => {
      const label = action[0].toUpperCase() + action.slice(1);
      const button = /** @type {HTMLButtonElement} */ (
        h(
          'button',
          { class: 'action', type: 'button', 'data-action': action, 'aria-label': compact ? `${label} ${process.name}` : label },
          [label],
        )
      );
      button.disabled = !actionAllowed(process, action);
      if (action === 'stop' && process.unstoppable) button.title = 'The portal needs this service: restart it instead.';
      button.addEventListener('click', () => act(process.name, action));
      return button;
    });
  }

  /** @param {ApplicationView} app */
  function renderApplication(app) {
    const panel = byId('panel');
    const process = app.process;
    const existing = panel.querySelector(`[data-app="${CSS.escape(app.label)}"]`);
    const head = h('div', { class: 'card-head' }, [h('h2', {}, [app.label]), badge(appState(app))]);
    const portText =
      app.externalPort === app.internalPort ? `port ${app.externalPort}` : `port ${app.externalPort} → ${app.hostname}:${app.internalPort}`;
    const meta = h('p', { class: 'meta' }, [
      `${portText}${app.path !== '/' ? `, path ${app.path}` : ''}`,
      process ? ` · service ${process.name}${process.description ? ` (${process.description})` : ''}` : ' · no service of its own',
    ]);
    const launch = launchUrl(app, state.connections[app.label]);
    const pending = launchPending({
      known: app.label in state.connections,
      settled: state.connectionsSettled,
      tunnelsUnavailable: Boolean(state.instance?.tunnels_unavailable),
    });
    // Upstream's: the portal's own card cannot launch what is already open.
    const open =
      process?.name === 'instance_portal'
        ? Object.assign(h('button', { class: 'button primary', type: 'button', 'data-testid': 'open' }, ['Currently Active']), {
            disabled: true,
          })
        : pending
          ? Object.assign(
              h('button', { class: 'button primary', type: 'button', 'data-testid': 'open', 'aria-busy': 'true' }, [LOADER_STEPS[2]]),
              { disabled: true },
            )
          : h(
              'a',
              {
                class: 'button primary',
                href: launch.url,
                target: '_blank',
                rel: 'noopener',
                'data-testid': 'open',
                title: `opens via ${launch.via}`,
              },
              ['Launch Application'],
            );
    const actions = h('div', { class: 'actions' }, [open, ...(process ? actionButtons(process, false) : [])]);
    if (existing) {
      // Keep the log pane (and its scroll position); replace the rest.
      existing.querySelector('.card-head')?.replaceWith(head);
      existing.querySelector('.meta')?.replaceWith(meta);
      existing.querySelector('.actions')?.replaceWith(actions);
      return;
    }
    const children = [
      head,
      meta,
      actions,
      advancedOptions(app),
      h('p', { class: 'message', 'data-testid': 'message', 'aria-live': 'polite' }),
    ];
    if (process) {
      children.push(
        h('div', { class: 'log-head' }, [
          h('span', {}, [`Log: /var/log/portal/${process.name}.log`]),
          h('span', { 'data-testid': 'log-status' }, ['connecting…']),
        ]),
        h('pre', { class: 'log', 'data-testid': 'log', tabindex: '0' }),
      );
    }
    panel.replaceChildren(h('section', { class: 'card', 'data-app': app.label }, children));
    followLog(process ? process.name : null);
  }

  /** @param {string} label @param {string} url */
  function connectionRow(label, url) {
    const copy = h('button', { type: 'button', class: 'action', 'aria-label': `Copy ${label}` }, ['Copy']);
    copy.addEventListener('click', () => navigator.clipboard?.writeText(url).catch(() => undefined));
    return h('li', { 'data-testid': 'connection-row' }, [
      h('span', { class: 'connection-label' }, [label]),
      h('a', { href: url, target: '_blank', rel: 'noopener' }, [url]),
      copy,
    ]);
  }

  /**
   * Upstream's "Advanced Connection Options": the direct address (and the public port it maps to), the application's
   * quick tunnel and its named tunnel, each with Copy. Asked for only when opened.
   * @param {ApplicationView} app
   */
  function advancedOptions(app) {
    const list = h('ul', { class: 'connections' }, [h('li', {}, ['Loading…'])]);
    const details = h('details', { class: 'advanced', 'data-testid': 'advanced' }, [
      h('summary', {}, ['Advanced connection options']),
      list,
    ]);
    details.addEventListener('toggle', async () => {
      if (!(/** @type {HTMLDetailsElement} */ (details).open)) return;
      const port = app.publicPort !== null ? `port ${app.externalPort} → public port ${app.publicPort}` : `port ${app.externalPort}`;
      const connections = await fetchConnections(app, await fetchUpstreamApps());
      state.connections[app.label] = connections;
      /** @type {HTMLElement[]} */
      const rows = [connectionRow(`Direct (${port})`, launchUrl(app, connections, true).url)];
      const reason = state.instance?.tunnels_unavailable;
      if (reason) rows.push(h('li', { class: 'meta' }, [reason]));
      else {
        const { named, quick } = connections;
        if (named) rows.push(connectionRow('Named tunnel', named));
        if (quick) rows.push(connectionRow('Quick tunnel', quick));
        if (!named && !quick) rows.push(h('li', { class: 'meta' }, ['No tunnel to this application yet: create one on the Tunnels page.']));
      }
      list.replaceChildren(...rows);
    });
    return details;
  }

  /** A card that keeps its message line across re-renders. @param {string} key @param {string} title @param {Node[]} body */
  function replaceCard(key, title, body) {
    const panel = byId('panel');
    const existing = panel.querySelector(`[data-app="${key}"]`);
    const message = h('p', { class: 'message', 'data-testid': 'message', 'aria-live': 'polite' });
    const previous = existing?.querySelector('.message');
    if (previous) {
      message.textContent = previous.textContent;
      message.className = previous.className;
    }
    const card = h('section', { class: 'card', 'data-app': key }, [
      h('div', { class: 'card-head' }, [h('h2', {}, [title])]),
      message,
      ...body,
    ]);
    if (existing) existing.replaceWith(card);
    else panel.replaceChildren(card);
    return card;
  }

  function renderProcesses() {
    const sorted = sortProcesses(state.processes);
    const rows = sorted.map((p) =>
      h('tr', { 'data-process': p.name }, [
        h('td', {}, [h('strong', {}, [p.name]), p.label ? h('div', { class: 'meta' }, [p.label]) : '']),
        h('td', {}, [badge(p.state)]),
        h('td', { class: 'info' }, [p.description]),
        h('td', { class: 'controls' }, actionButtons(p, true)),
      ]),
    );
    const table = h('table', { class: 'processes' }, [
      h('thead', {}, [
        h(
          'tr',
          {},
          ['Process', 'Status', 'Info', 'Actions'].map((t) => h('th', { scope: 'col' }, [t])),
        ),
      ]),
      h('tbody', {}, rows),
    ]);
    replaceCard('services', 'Supervisor', [
      state.processes.length ? table : h('p', { class: 'empty' }, ['Supervisor reports no programs.']),
    ]);
    followLog(null);
  }

  // ---- logs: every log at once -------------------------------------------------------------------------------

  function closeLogSocket() {
    const socket = state.logSocket;
    state.logSocket = null;
    socket?.close();
  }

  function renderLogsPage() {
    followLog(null);
    const panel = byId('panel');
    if (panel.querySelector('[data-app="logs"]')) return;
    const select = /** @type {HTMLSelectElement} */ (
      h('select', { 'data-testid': 'log-filter', 'aria-label': 'Which log' }, [h('option', { value: '' }, ['All logs'])])
    );
    const follow = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', 'data-testid': 'log-follow', checked: '' }));
    const dot = h('span', { class: 'dot state-unknown', 'data-testid': 'log-connection', title: 'connecting' });
    const copy = h('button', { type: 'button', class: 'action' }, ['Copy']);
    const download = h('a', { class: 'button', 'data-testid': 'log-download', href: '/download-logs', download: '' }, [
      'Download all logs',
    ]);
    const lines = h('div', { class: 'log all-logs', 'data-testid': 'all-logs', tabindex: '0', role: 'log', 'aria-live': 'off' });
    const toolbar = h('div', { class: 'actions log-toolbar' }, [
      dot,
      select,
      h('label', { class: 'follow' }, [follow, ' Follow']),
      copy,
      download,
    ]);
    panel.replaceChildren(
      h('section', { class: 'card', 'data-app': 'logs' }, [
        h('div', { class: 'card-head' }, [h('h2', {}, ['Instance Logs'])]),
        toolbar,
        lines,
      ]),
    );

    download.addEventListener('click', () => {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      download.setAttribute(
        'href',
        `/download-logs?filename=${encodeURIComponent(`${state.instance?.id ?? 'instance'}_logs_${stamp}.zip`)}`,
      );
    });
    copy.addEventListener('click', () => {
      const text = [...lines.children]
        .filter((l) => !(/** @type {HTMLElement} */ (l).hidden))
        .map((l) => l.textContent)
        .join('\n');
      navigator.clipboard?.writeText(text).catch(() => undefined);
    });
    const applyFilter = () => {
      for (const line of lines.children)
        /** @type {HTMLElement} */ (line).hidden = select.value !== '' && /** @type {HTMLElement} */ (line).dataset.file !== select.value;
      if (follow.checked) lines.scrollTop = lines.scrollHeight;
    };
    select.addEventListener('change', applyFilter);
    follow.addEventListener('change', applyFilter);

    /** @param {string} file */
    const addFile = (file) => {
      if (!file || [...select.options].some((o) => o.value === file)) return;
      select.append(h('option', { value: file }, [file.replace(/\.log$/, '')]));
    };
    /** Per log, the line a progress bar is still rewriting (upstream's `overwrite`), pinned below the others. */
    /** @type {Map<string, HTMLElement>} */
    const pending = new Map();
    /** @param {string} file @param {string} type @param {string} html */
    const makeLine = (file, type, html) => {
      const line = h('div', { class: type === 'system' ? 'note' : 'log-line', 'data-file': file });
      if (file) line.append(h('span', { class: 'log-file' }, [file.replace(/\.log$/, '')]));
      line.append(h('span', { class: 'log-text' }));
      line.hidden = select.value !== '' && file !== select.value && type !== 'system';
      // Escaped by the server (ansi-html.ts): only its spans remain.
      /** @type {HTMLElement} */ (line.querySelector('.log-text')).innerHTML = html;
      return line;
    };
    const settle = () => {
      for (const still of pending.values()) lines.append(still); // pinned below the others
      while (lines.childElementCount > MAX_ALL_LOG_LINES) lines.firstElementChild?.remove();
      if (follow.checked) lines.scrollTop = lines.scrollHeight;
    };
    /**
     * Lines a program redrew with cursor-up: the file's last `replace` lines (its pending one included) make way for
     * the block's, in the same place; a pending last line stays pinned.
     * @param {{ lines: string[], file: string, replace: number, pending: boolean }} block
     */
    const applyBlock = (block) => {
      addFile(block.file);
      const own = [...lines.children].filter((l) => /** @type {HTMLElement} */ (l).dataset.file === block.file);
      const replaced = block.replace > 0 ? own.slice(-block.replace) : [];
      const anchor = replaced.find((l) => !l.classList.contains('pending')) ?? null;
      const fresh = block.lines.map((html) => makeLine(block.file, 'append', html));
      const stillPending = block.pending ? fresh.pop() : undefined;
      for (const line of fresh) lines.insertBefore(line, anchor);
      replaced.forEach((l) => l.remove());
      pending.delete(block.file);
      if (stillPending) {
        stillPending.classList.add('pending');
        pending.set(block.file, stillPending);
      }
      settle();
    };
    /** @param {{ type: string, html?: string, file?: string, lines?: string[], replace?: number, pending?: boolean }} message */
    const append = (message) => {
      if (message.type === 'overwrite_block') return applyBlock(/** @type {Parameters<typeof applyBlock>[0]} */ (message));
      const file = message.file ?? '';
      addFile(file);
      let line = message.type === 'overwrite' ? pending.get(file) : undefined;
      if (line) /** @type {HTMLElement} */ (line.querySelector('.log-text')).innerHTML = message.html ?? '';
      else line = makeLine(file, message.type, message.html ?? '');
      if (message.type === 'overwrite') {
        line.classList.add('pending');
        pending.set(file, line);
      } else {
        pending.get(file)?.remove(); // the finished line replaces it
        pending.delete(file);
      }
      lines.append(line);
      settle();
    };

    let attempts = 0;
    const connect = () => {
      if (state.route !== 'logs') return;
      const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws-logs`);
      state.logSocket = socket;
      let heard = Date.now();
      const ping = setInterval(() => {
        if (socket.readyState === WebSocket.OPEN) socket.send('ping');
        if (Date.now() - heard > 30_000) socket.close();
      }, 5000);
      socket.addEventListener('open', () => {
        attempts = 0;
        dot.className = 'dot state-running';
        dot.title = 'connected';
        lines.replaceChildren();
        pending.clear();
      });
      socket.addEventListener('message', (event) => {
        heard = Date.now();
        if (event.data === 'heartbeat' || event.data === 'pong') return;
        try {
          append(JSON.parse(event.data));
        } catch {
          // not a message of ours
        }
      });
      socket.addEventListener('close', () => {
        clearInterval(ping);
        dot.className = 'dot state-failed';
        dot.title = 'disconnected';
        if (state.logSocket !== socket || attempts >= 10) return;
        attempts += 1;
        setTimeout(connect, Math.min(30_000, 1000 * 1.5 ** attempts) + Math.random() * 500);
      });
    };
    connect();
  }

  // ---- tools & help ------------------------------------------------------------------------------------------

  /** Upstream's fixed cards. */
  const BUILT_IN_LINKS = [
    ['Quick Start Guide', 'https://docs.vast.ai/documentation/get-started', 'Rent an instance, connect and run your first job.'],
    [
      'Instance Portal',
      'https://docs.vast.ai/documentation/instances/connect/instance-portal',
      'What this page does and how to configure it.',
    ],
    ['Templates', 'https://docs.vast.ai/documentation/templates/introduction', 'Build and share your own templates and base images.'],
    ['CLI Tool', 'https://docs.vast.ai/cli/get-started', 'Manage instances from the command line (vastai).'],
    ['Python SDK', 'https://docs.vast.ai/sdk/python/quickstart', 'Script Vast from Python.'],
    ['REST API', 'https://docs.vast.ai/api-reference/introduction', 'The HTTP API behind the console.'],
    ['Model Library', 'https://vast.ai/model-library', 'Ready-made templates for popular models.'],
    ['Community Hub', 'https://discord.gg/vast', 'Ask the Vast community on Discord.'],
    ['FAQ', 'https://docs.vast.ai/documentation/reference/faq', 'Answers to common questions.'],
  ];

  /** @param {PortalLink} link @param {string} source */
  function linkCard(link, source) {
    return h('article', { class: 'link-card', 'data-testid': 'link-card', 'data-source': source }, [
      h('h3', {}, [link.label]),
      link.description ? h('p', { class: 'meta' }, [link.description]) : '',
      h('a', { class: 'button primary', href: link.url, target: '_blank', rel: 'noopener' }, [link.button_text]),
      ...(link.links.length
        ? [
            h(
              'ul',
              { class: 'sub-links' },
              link.links.map((l) => h('li', {}, [h('a', { href: l.url, target: '_blank', rel: 'noopener' }, [l.label])])),
            ),
          ]
        : []),
    ]);
  }

  async function renderTools() {
    followLog(null);
    if (byId('panel').querySelector('[data-app="tools"]')) return;
    const grid = h('div', { class: 'link-grid' }, [h('p', { class: 'empty' }, ['Loading links…'])]);
    replaceCard('tools', 'Tools & Help', [grid]);
    try {
      /** @type {{ before: PortalLink[], after: PortalLink[], warnings: string[] }} */
      const links = await api('/api/links');
      const builtIn = BUILT_IN_LINKS.map(([label, url, description]) => ({
        label,
        url,
        description,
        icon: 'book',
        button_text: 'Open',
        links: [],
      }));
      grid.replaceChildren(
        ...links.before.map((l) => linkCard(l, 'template')),
        ...builtIn.map((l) => linkCard(l, 'vast')),
        ...links.after.map((l) => linkCard(l, 'template')),
      );
      if (links.warnings.length) grid.before(h('p', { class: 'message error' }, [links.warnings.join(' ')]));
    } catch (error) {
      grid.replaceChildren(h('p', { class: 'message error' }, [`links unavailable: ${/** @type {Error} */ (error).message}`]));
    }
  }

  // ---- tunnels -----------------------------------------------------------------------------------------------

  async function renderTunnels() {
    followLog(null);
    const unavailable = state.instance?.tunnels_unavailable;
    if (unavailable) {
      replaceCard('tunnels', 'Tunnels (Open New Ports)', [
        h('p', { class: 'message error', 'data-testid': 'tunnels-unavailable' }, [unavailable]),
      ]);
      return;
    }
    if (!byId('panel').querySelector('[data-app="tunnels"]')) {
      const input = /** @type {HTMLInputElement} */ (
        h('input', { type: 'url', placeholder: 'http://localhost:8080', 'aria-label': 'Target URL' })
      );
      const create = h('button', { type: 'button', class: 'action primary' }, ['Create New Tunnel']);
      create.addEventListener('click', () => tunnelAction('start', input.value.trim()));
      replaceCard('tunnels', 'Tunnels (Open New Ports)', [
        h('div', { class: 'actions' }, [input, create]),
        h('div', { 'data-testid': 'tunnel-list' }),
      ]);
    }
    /** @type {{ named: { state: string, connections: number, error: string | null } | null, tunnels: TunnelRow[] }} */
    const list = await api('/api/tunnels').catch(() => ({ named: null, tunnels: [] }));
    for (const t of list.tunnels) if (t.kind === 'quick' && !(t.tunnelUrl in checkedAt)) void checkTunnel(t.tunnelUrl);
    const rows = list.tunnels.map((t) =>
      h('tr', { 'data-testid': 'tunnel-row', 'data-kind': t.kind }, [
        h('td', {}, [h('a', { href: t.tunnelUrl, target: '_blank', rel: 'noopener' }, [t.hostname])]),
        h('td', {}, [t.targetUrl]),
        h('td', { 'data-testid': 'tunnel-kind' }, [t.kind]),
        // A quick tunnel proves itself through /portal-resolver; a named one's connector says how it is doing.
        t.kind === 'quick' ? liveCell(t.tunnelUrl) : h('td', { 'data-testid': 'tunnel-state' }, [namedBadge(list.named)]),
        h(
          'td',
          { class: 'controls' },
          t.kind === 'quick'
            ? [
                Object.assign(h('button', { type: 'button', class: 'action' }, ['Refresh']), {
                  onclick: () => tunnelAction('refresh', t.targetUrl),
                }),
                Object.assign(h('button', { type: 'button', class: 'action' }, ['Stop']), {
                  onclick: () => tunnelAction('stop', t.targetUrl),
                }),
              ]
            : [h('span', { class: 'meta' }, ['CF_TUNNEL_TOKEN'])],
        ),
      ]),
    );
    /** @type {Node[]} */
    const body = [];
    // A named tunnel with no ingress to list (its metrics server silent, or cloudflared ended) still says how it is.
    if (list.named && !list.tunnels.some((t) => t.kind === 'named'))
      body.push(h('p', { class: 'meta', 'data-testid': 'named-tunnel' }, ['Named tunnel (CF_TUNNEL_TOKEN): ', namedBadge(list.named)]));
    body.push(
      rows.length
        ? h('table', { class: 'processes' }, [
            h('thead', {}, [
              h(
                'tr',
                {},
                ['Tunnel', 'Target', 'Kind', 'State', 'Actions'].map((t) => h('th', { scope: 'col' }, [t])),
              ),
            ]),
            h('tbody', {}, rows),
          ])
        : h('p', { class: 'empty' }, ['No tunnels yet.']),
    );
    byId('panel')
      .querySelector('[data-testid="tunnel-list"]')
      ?.replaceChildren(...body);
  }

  /**
   * The named tunnel's connector: connected (with how many edge connections), starting, reconnecting, exited (why).
   * @param {{ state: string, connections: number, error: string | null } | null} named
   */
  function namedBadge(named) {
    if (!named) return h('span', { class: 'badge state-unknown' }, ['unknown']);
    const css = { connected: 'running', starting: 'starting', reconnecting: 'starting', exited: 'failed' }[named.state] ?? 'unknown';
    const text =
      named.state === 'connected'
        ? `connected (${named.connections} connection${named.connections === 1 ? '' : 's'})`
        : named.state === 'exited' && named.error
          ? `exited: ${named.error}`
          : named.state;
    return h('span', { class: `badge state-${css}` }, [text]);
  }

  /** When each tunnel was last checked through /portal-resolver. @type {Record<string, number>} */
  const checkedAt = {};
  /** @type {Set<string>} */
  const checking = new Set();

  /** @param {string} url */
  function liveCell(url) {
    const live = state.live[url];
    const text = live === undefined ? 'checking…' : live ? 'live' : 'not live';
    return h('td', { 'data-testid': 'tunnel-live', 'data-tunnel': url }, [
      h('span', { class: `badge state-${live === undefined ? 'unknown' : live ? 'running' : 'failed'}` }, [text]),
    ]);
  }

  /** Checks a tunnel (tunnel-liveness.js) and shows the answer. @param {string} url @param {boolean} [isNew] */
  async function checkTunnel(url, isNew = false) {
    if (checking.has(url)) return;
    checking.add(url);
    checkedAt[url] = Date.now();
    try {
      state.live[url] = isNew ? await waitForTunnel(url) : await isTunnelLive(url);
    } finally {
      checking.delete(url);
      checkedAt[url] = Date.now();
    }
    for (const cell of byId('panel').querySelectorAll('[data-testid="tunnel-live"]'))
      if (/** @type {HTMLElement} */ (cell).dataset.tunnel === url) cell.replaceWith(liveCell(url));
  }

  // Upstream re-checks every tunnel every 30 s while the Tunnels page shows.
  setInterval(() => {
    if (state.route !== 'tunnels') return;
    for (const url of Object.keys(checkedAt)) if (Date.now() - checkedAt[url] >= RECHECK_MS) void checkTunnel(url);
  }, LIVENESS_POLL_MS);

  /** @param {string} action @param {string} target */
  async function tunnelAction(action, target) {
    if (!target) return;
    say(`${action} tunnel to ${target}…`);
    try {
      const result = await api(`/${action}-quick-tunnel/${target}`, { method: 'POST' });
      say(`${action} tunnel to ${target}: done`);
      if (result.tunnel_url) void checkTunnel(result.tunnel_url, true);
    } catch (error) {
      say(`${action} tunnel failed: ${/** @type {Error} */ (error).message}`, true);
    }
    await renderTunnels();
  }

  // ---- metrics -----------------------------------------------------------------------------------------------

  /** @param {number} bytes */
  const gb = (bytes) => `${(bytes / 1e9).toFixed(1)} GB`;

  /** A polyline of the last CHART_SAMPLES values (0-100). @param {number[]} values */
  function chart(values) {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', `0 0 ${CHART_SAMPLES - 1} 100`);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('class', 'chart');
    svg.setAttribute('aria-hidden', 'true');
    svg.dataset.samples = String(values.length);
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    const offset = CHART_SAMPLES - values.length;
    line.setAttribute('points', values.map((v, i) => `${i + offset},${100 - Math.max(0, Math.min(100, v))}`).join(' '));
    svg.append(line);
    return svg;
  }

  /**
   * One gauge: its value and detail, a bar and a chart of its history; "not available" when there is no source.
   * @param {string} key @param {string} title @param {number | null | undefined} percent @param {string} detail
   */
  function gauge(key, title, percent, detail) {
    if (percent === null || percent === undefined) {
      return h('div', { class: 'gauge unavailable', 'data-metric': key }, [
        h('div', { class: 'gauge-head' }, [
          h('span', {}, [title]),
          h('span', { class: 'value', 'data-testid': 'metric-value' }, ['not available']),
        ]),
        detail ? h('div', { class: 'meta' }, [detail]) : '',
      ]);
    }
    const samples = (state.history[key] = [...(state.history[key] ?? []), percent].slice(-CHART_SAMPLES));
    const level = percent >= 90 ? 'critical' : percent >= 80 ? 'warning' : 'ok';
    const bar = h('div', {
      class: `bar ${level}`,
      role: 'meter',
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-valuenow': String(percent),
      'aria-label': title,
    });
    bar.append(h('span'));
    /** @type {HTMLElement} */ (bar.firstElementChild).dataset.width = String(percent);
    const el = h('div', { class: `gauge ${level}`, 'data-metric': key }, [
      h('div', { class: 'gauge-head' }, [
        h('span', {}, [title]),
        h('span', { class: 'value', 'data-testid': 'metric-value' }, [`${percent.toFixed(1)}%`]),
      ]),
      bar,
      chart(samples),
      h('div', { class: 'meta' }, [detail]),
    ]);
    return el;
  }

  /** @param {SystemMetrics} m */
  function renderMetrics(m) {
    const gauges = [
      gauge('cpu', 'CPU', m.cpu.percent, m.cpu.percent === null ? 'measuring…' : `${m.cpu.count} cores`),
      gauge('ram', 'Memory', m.ram.percent, `${gb(m.ram.used)} of ${gb(m.ram.total)}`),
      gauge('disk', m.environment === 'container' ? 'Container Disk' : 'Disk', m.disk.percent, `${gb(m.disk.used)} of ${gb(m.disk.total)}`),
      m.volume
        ? gauge('volume', 'Volume', m.volume.percent, `${gb(m.volume.used)} of ${gb(m.volume.total)} at ${m.volume.path}`)
        : gauge('volume', 'Volume', null, 'the workspace is not a separate volume'),
    ];
    if (m.gpu.gpus.length === 0) gauges.push(gauge('gpu', 'GPU', null, m.gpu.errors?.nvidia ?? 'no GPU reported'));
    for (const g of m.gpu.gpus) {
      const parts = [
        g.memory_used_mb !== undefined && g.memory_total_mb !== undefined
          ? `${(g.memory_used_mb / 1024).toFixed(1)} of ${(g.memory_total_mb / 1024).toFixed(1)} GiB`
          : 'memory not available',
        g.temperature_c !== undefined ? `${g.temperature_c} °C` : 'temperature not available',
        g.power_draw_w !== undefined
          ? `${g.power_draw_w.toFixed(0)} W${g.power_limit_w !== undefined ? ` of ${g.power_limit_w.toFixed(0)} W` : ''}`
          : 'power not available',
      ];
      gauges.push(gauge(`gpu${g.index}`, `GPU ${g.index} · ${g.name}`, g.utilization_percent, parts.join(' · ')));
    }
    const panel = byId('metrics');
    panel.replaceChildren(h('h2', { class: 'visually-hidden' }, ['System metrics']), ...gauges);
    // Widths through CSSOM: the CSP forbids style attributes, not style properties set from script.
    for (const span of panel.querySelectorAll('.bar > span'))
      /** @type {HTMLElement} */ (span).style.width = `${/** @type {HTMLElement} */ (span).dataset.width}%`;
    panel.dataset.updated = String(Date.now());
  }

  async function refreshMetrics() {
    try {
      renderMetrics(await api('/system-metrics'));
    } catch (error) {
      byId('metrics').replaceChildren(h('p', { class: 'message error' }, [`metrics unavailable: ${/** @type {Error} */ (error).message}`]));
    }
  }

  // ---- shared ------------------------------------------------------------------------------------------------

  function render() {
    renderRoutes();
    if (state.route === 'apps') {
      if (state.selected === null || !state.applications.some((a) => a.label === state.selected))
        state.selected = state.applications[0]?.label ?? null;
      renderTabs();
      const app = state.applications.find((a) => a.label === state.selected);
      if (app) renderApplication(app);
      else {
        followLog(null);
        byId('panel').replaceChildren(h('p', { class: 'empty' }, ['No applications in /etc/portal.yaml yet.']));
      }
    } else if (state.route === 'services') renderProcesses();
    else if (state.route === 'logs') renderLogsPage();
    else if (state.route === 'tools') void renderTools();
    else if (state.route === 'tunnels') void renderTunnels();
  }

  /** @param {string} key */
  function select(key) {
    if (key === state.selected) return;
    state.selected = key;
    history.replaceState(null, '', `#/apps/${encodeURIComponent(key)}`);
    byId('panel').replaceChildren();
    render();
  }

  /** @param {string} text @param {boolean} [error] */
  function say(text, error = false) {
    const message = byId('panel').querySelector('.message');
    if (!message) return;
    message.textContent = text;
    message.classList.toggle('error', error);
  }

  /** @param {string} name @param {string} action */
  async function act(name, action) {
    state.busy.add(name);
    render();
    say(`${action} ${name}…`);
    try {
      const result = await api(`/api/processes/${encodeURIComponent(name)}/${action}`, {
        method: 'POST',
        headers: { 'x-portal-request': '1' },
      });
      say(`${action} ${name}: done${result.note ? ` (${result.note})` : ''}`);
      // The page's own server restarts: load it afresh once it is back, as upstream does.
      if (name === 'instance_portal' && action === 'restart') setTimeout(() => location.reload(), PORTAL_RELOAD_MS);
    } catch (error) {
      say(`${action} ${name} failed: ${/** @type {Error} */ (error).message}`, true);
    } finally {
      state.busy.delete(name);
      await refresh();
    }
  }

  /** @param {string | null} name */
  function followLog(name) {
    if (state.logName === name && state.logSource) return;
    state.logSource?.close();
    state.logSource = null;
    state.logName = name;
    if (name === null) return;
    const pane = /** @type {HTMLElement | null} */ (byId('panel').querySelector('.log'));
    const status = byId('panel').querySelector('[data-testid="log-status"]');
    if (!pane) return;
    const source = new EventSource(`/api/logs/${encodeURIComponent(name)}?follow`);
    state.logSource = source;
    /** @param {string} text @param {string} [cls] */
    const append = (text, cls) => {
      const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
      const line = h('div', cls ? { class: cls } : {}, [text]);
      pane.append(line);
      while (pane.childElementCount > MAX_LOG_LINES) pane.firstElementChild?.remove();
      if (atBottom) pane.scrollTop = pane.scrollHeight;
    };
    source.addEventListener('open', () => status && (status.textContent = 'following'));
    source.addEventListener('error', () => status && (status.textContent = 'reconnecting…'));
    source.addEventListener('line', (event) => append(/** @type {MessageEvent} */ (event).data));
    source.addEventListener('reset', () => append('— the service restarted; new log —', 'note'));
    source.addEventListener('waiting', (event) => append(/** @type {MessageEvent} */ (event).data, 'note'));
  }

  /** @param {number} bytes */
  function megabytes(bytes) {
    return `${(bytes / 1048576).toFixed(1)} MB`;
  }

  /**
   * The provisioner's phase and its unfinished downloads, from /api/status's progress (null when it says nothing).
   * @param {{ phase: string, phaseIndex: number, phaseCount: number, attempt: number, attempts: number,
   *   downloads: Array<{ name: string, received: number, total: number | null, done: boolean }> } | null} progress
   */
  function describeProgress(progress) {
    if (!progress) return '';
    const parts = [`phase ${progress.phaseIndex} of ${progress.phaseCount}: ${progress.phase}`];
    if (progress.attempt > 1) parts.push(`attempt ${progress.attempt} of ${progress.attempts}`);
    for (const download of progress.downloads.filter((d) => !d.done)) {
      parts.push(
        download.total
          ? `${download.name} ${megabytes(download.received)} of ${megabytes(download.total)} (${Math.floor((download.received / download.total) * 100)}%)`
          : `${download.name} ${megabytes(download.received)}`,
      );
    }
    return ` Now ${parts.join(' · ')}.`;
  }

  /**
   * @param {string} status
   * @param {Parameters<typeof describeProgress>[0]} [progress]
   */
  function renderBanner(status, progress = null) {
    const banner = byId('banner');
    banner.className = `banner ${status}`;
    if (status === 'in_progress')
      banner.textContent = `Provisioning is running: services that wait for it start when it finishes.${describeProgress(progress)}`;
    else if (status === 'failed')
      banner.textContent = 'Provisioning failed: see /var/log/portal/provisioning.log. Services may be missing.';
    banner.hidden = status !== 'in_progress' && status !== 'failed';
  }

  async function refresh() {
    const connection = byId('connection');
    try {
      const [apps, status, processes] = await Promise.all([
        api('/api/applications'),
        api('/api/status'),
        api('/api/processes').catch(() => ({ processes: [] })),
      ]);
      state.applications = apps.applications;
      state.processes = processes.processes;
      renderBanner(status.provisioning, status.progress);
      connection.textContent = apps.errors.length ? apps.errors.join(' ') : `${state.applications.length} applications`;
      connection.classList.toggle('error', apps.errors.length > 0);
      // Tunnels and tools fetch on their own; refreshing them every 2 s would only flicker.
      if (state.route !== 'tools' && state.route !== 'tunnels' && state.route !== 'logs') render();
      else renderRoutes();
    } catch (error) {
      connection.textContent = `portal unreachable: ${/** @type {Error} */ (error).message}`;
      connection.classList.add('error');
    }
  }

  async function loadInstance() {
    try {
      state.instance = await api('/api/instance');
      byId('instance').textContent = [state.instance?.id ? `Instance ${state.instance.id}` : '', state.instance?.gpu ?? '']
        .filter(Boolean)
        .join(' · ');
      // On a host there is no Supervisor route: a #/services address falls back to the applications.
      const before = state.route;
      readHash();
      if (before === 'services' && state.route === 'apps') history.replaceState(null, '', '#/apps');
      renderRoutes();
    } catch {
      // the header just stays short
    }
  }

  /**
   * Upstream's insecure-context redirect (insecure-redirect.js): on plain http, to the named tunnel of the portal's
   * own port, else to its quick tunnel once that proves live; 5 s after saying so, unless the user stays.
   */
  async function redirectToSecureTunnel() {
    if (!wantsSecureRedirect({ isSecureContext: window.isSecureContext, search: location.search })) return;
    const portal = state.applications.find((a) => a.externalPort === PORTAL_PORT);
    if (!portal || state.instance?.tunnels_unavailable) return;
    const connections = state.connections[portal.label] ?? (await fetchConnections(portal, await fetchUpstreamApps()));
    const quickTunnelLive =
      !connections.named && connections.quick ? await isTunnelLive(connections.quick, { budgetMs: QUICK_TUNNEL_BUDGET_MS }) : false;
    const plan = planSecureRedirect({
      namedTunnel: connections.named,
      quickTunnel: connections.quick,
      quickTunnelLive,
      hash: location.hash,
      token: state.token,
    });
    if (!plan) return;
    const stay = h('a', { href: '#', 'data-testid': 'redirect-stay' }, ['Stay on this address']);
    const notice = byId('redirect');
    notice.replaceChildren(
      `This address is not secure (plain http), so browsers limit the page and its applications. Moving to the portal's ${plan.via}, ${new URL(plan.url).origin}, in ${REDIRECT_DELAY_MS / 1000} s. `,
      stay,
    );
    notice.hidden = false;
    const timer = setTimeout(() => location.replace(plan.url), REDIRECT_DELAY_MS);
    stay.addEventListener('click', (event) => {
      event.preventDefault();
      clearTimeout(timer);
      notice.hidden = true;
      const params = new URLSearchParams(location.search);
      params.set('redir', 'false');
      history.replaceState(null, '', `${location.pathname}?${params}${location.hash}`);
    });
  }

  /**
   * The loader stands in front until the instance and the applications are known, or Skip, or 10 s. The tunnel
   * addresses fill in afterwards: until an application's are known, its Launch button waits (launchPending in
   * launch.js), so it never opens a less preferred address than upstream's would.
   */
  async function startUp() {
    const loader = byId('loader');
    const skip = new Promise((resolve) =>
      byId('loader-skip').addEventListener('click', (event) => {
        event.preventDefault();
        resolve(undefined);
      }),
    );
    const tunnelWait = new Promise((resolve) => setTimeout(resolve, LOADER_TIMEOUT_MS));
    const ended = await runLoader({
      steps: [
        { text: LOADER_STEPS[0], run: loadInstance },
        { text: LOADER_STEPS[1], run: refresh },
      ],
      show: (text) => (byId('loader-text').textContent = text),
      skip,
    });
    loader.hidden = true;
    loader.dataset.ended = ended;
    setInterval(refresh, POLL_MS);
    if (state.route === 'tunnels' || state.route === 'tools' || state.route === 'logs') render();
    // Skip or the loader's 10 s end the wait for tunnel addresses too, as upstream's Skip does.
    await Promise.race([gatherConnections().catch(() => undefined), tunnelWait, skip]);
    state.connectionsSettled = true;
    if (state.route === 'apps') render();
    setInterval(() => void gatherConnections(), CONNECTIONS_MS);
    void redirectToSecureTunnel();
  }

  captureToken();
  readHash();
  window.addEventListener('hashchange', onHashChange);
  refreshMetrics();
  setInterval(refreshMetrics, METRICS_MS);
  void startUp();
})();
