// @ts-check
// The Instance Portal page: tabs from /api/applications, actions through POST /api/processes/<name>/<action>,
// live logs from /api/logs/<name>?follow (server-sent events). No framework; everything is built with textContent.
'use strict';

(() => {
  const POLL_MS = 2000;
  const MAX_LOG_LINES = 2000;
  const PROCESSES_TAB = '__processes__';
  const TOKEN_KEY = 'vast-portal-token';

  /** @typedef {{ name: string, state: string, supervisorState: string, description: string, label: string | null }} ProcessView */
  /** @typedef {{ label: string, hostname: string, externalPort: number, internalPort: number, path: string, publicPort: number | null, process: ProcessView | null }} ApplicationView */

  const state = {
    /** @type {ApplicationView[]} */ applications: [],
    /** @type {ProcessView[]} */ processes: [],
    /** @type {string | null} */ selected: null,
    /** @type {string | null} */ token: null,
    /** @type {EventSource | null} */ logSource: null,
    /** @type {string | null} */ logName: null,
    /** @type {Set<string>} */ busy: new Set(),
  };

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
    if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
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

  function renderTabs() {
    const tabs = byId('tabs');
    const items = state.applications.map((app) => ({ key: app.label, title: app.label, badge: appState(app) }));
    items.push({ key: PROCESSES_TAB, title: 'Services', badge: '' });
    // Rebuild only on change, so a tab that has keyboard focus keeps it across the 2-second refreshes.
    const signature = JSON.stringify([items, state.selected]);
    if (tabs.dataset.signature === signature) return;
    tabs.dataset.signature = signature;
    tabs.replaceChildren(
      ...items.map((item) => {
        const dot = h('span', { class: `dot state-${item.badge || 'link'}`, 'aria-hidden': 'true' });
        const tab = h(
          'button',
          {
            class: 'tab',
            role: 'tab',
            type: 'button',
            'data-testid': 'tab',
            'data-key': item.key,
            'aria-selected': String(item.key === state.selected),
          },
          item.badge ? [dot, item.title] : [item.title],
        );
        tab.addEventListener('click', () => select(item.key));
        return tab;
      }),
    );
  }

  /** @param {string} stateName */
  function badge(stateName) {
    return h('span', { class: `badge state-${stateName}`, 'data-testid': 'state' }, [stateName === 'link' ? 'link' : stateName]);
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
      button.disabled = state.busy.has(process.name);
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
    const open = h('a', { class: 'button primary', href: openUrl(app), target: '_blank', rel: 'noopener', 'data-testid': 'open' }, [
      'Open',
    ]);
    const actions = h('div', { class: 'actions' }, [open, ...(process ? actionButtons(process, false) : [])]);
    if (existing) {
      // Keep the log pane (and its scroll position); replace the rest.
      existing.querySelector('.card-head')?.replaceWith(head);
      existing.querySelector('.meta')?.replaceWith(meta);
      existing.querySelector('.actions')?.replaceWith(actions);
      return;
    }
    const children = [head, meta, actions, h('p', { class: 'message', 'data-testid': 'message', 'aria-live': 'polite' })];
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

  function renderProcesses() {
    const panel = byId('panel');
    const rows = state.processes.map((p) =>
      h('tr', { 'data-process': p.name }, [
        h('td', {}, [h('strong', {}, [p.name]), p.label ? h('div', { class: 'meta' }, [p.label]) : '']),
        h('td', {}, [badge(p.state)]),
        h('td', { class: 'controls' }, actionButtons(p, true)),
      ]),
    );
    const table = h('table', { class: 'processes' }, [h('tbody', {}, rows)]);
    const existing = panel.querySelector(`[data-app="${PROCESSES_TAB}"]`);
    const message = h('p', { class: 'message', 'data-testid': 'message', 'aria-live': 'polite' });
    const previous = existing?.querySelector('.message');
    if (previous) {
      // The table is rebuilt on every refresh; the outcome of the last action stays.
      message.textContent = previous.textContent;
      message.className = previous.className;
    }
    const card = h('section', { class: 'card', 'data-app': PROCESSES_TAB }, [
      h('div', { class: 'card-head' }, [h('h2', {}, ['Services'])]),
      message,
      state.processes.length ? table : h('p', { class: 'empty' }, ['Supervisor reports no programs.']),
    ]);
    if (existing) existing.replaceWith(card);
    else panel.replaceChildren(card);
    if (!existing) followLog(null);
  }

  function render() {
    if (state.selected === null || (state.selected !== PROCESSES_TAB && !state.applications.some((a) => a.label === state.selected))) {
      const fromHash = decodeURIComponent(location.hash.slice(1));
      state.selected = state.applications.some((a) => a.label === fromHash) ? fromHash : (state.applications[0]?.label ?? PROCESSES_TAB);
    }
    renderTabs();
    if (state.selected === PROCESSES_TAB) renderProcesses();
    else {
      const app = state.applications.find((a) => a.label === state.selected);
      if (app) renderApplication(app);
    }
  }

  /** @param {string} key */
  function select(key) {
    if (key === state.selected) return;
    state.selected = key;
    history.replaceState(null, '', `#${encodeURIComponent(key)}`);
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

  /** @param {string} status */
  function renderBanner(status) {
    const banner = byId('banner');
    banner.className = `banner ${status}`;
    if (status === 'in_progress') banner.textContent = 'Provisioning is running: services that wait for it start when it finishes.';
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
      renderBanner(status.provisioning);
      connection.textContent = apps.errors.length ? apps.errors.join(' ') : `${state.applications.length} applications`;
      connection.classList.toggle('error', apps.errors.length > 0);
      render();
    } catch (error) {
      connection.textContent = `portal unreachable: ${/** @type {Error} */ (error).message}`;
      connection.classList.add('error');
    }
  }

  captureToken();
  refresh();
  setInterval(refresh, POLL_MS);
})();
