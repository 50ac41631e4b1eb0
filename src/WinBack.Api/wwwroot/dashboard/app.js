// WinBack dashboard: every figure comes from the public API, called with the admin key pasted into this tab.
// The key lives in sessionStorage only (never a URL, cookie, localStorage or log), so it goes when the tab does.
'use strict';

(() => {
  const KEY = 'winback.adminKey';
  const API_VERSION = '2026-12-06'; // the shapes this page was written for
  const charts = new Map();
  const $ = (id) => document.getElementById(id);

  // ---------- the API ----------

  class ApiError extends Error {
    constructor(status, problem) {
      super(problem?.detail || problem?.title || `The API answered ${status}.`);
      this.status = status;
      this.code = problem?.code;
    }
  }

  async function api(path, options = {}) {
    const key = sessionStorage.getItem(KEY);
    const headers = { Accept: 'application/json', 'API-Version': API_VERSION, Authorization: `Bearer ${key}` };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, {
      method: options.method || 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'omit',
      cache: 'no-store',
    });
    const text = await response.text();
    const body = text ? JSON.parse(text) : null;
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  // ---------- formatting ----------

  const integer = new Intl.NumberFormat('en');
  const percent = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);
  const points = (x) => (x === null || x === undefined ? '—' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} pp`);

  function moneyFormat(currency) {
    const format = new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() });
    return { format, digits: format.resolvedOptions().maximumFractionDigits };
  }
  const majorUnits = (m) => m.amount / 10 ** moneyFormat(m.currency).digits;
  const money = (m) => moneyFormat(m.currency).format.format(majorUnits(m));
  const moneys = (list) => (list && list.length ? list.map(money).join(' · ') : '—');

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined || value === null) continue;
      if (name === 'text') node.textContent = value;
      else if (name === 'dataset') Object.assign(node.dataset, value);
      else node.setAttribute(name, value);
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  // A section's one line of news: an empty state saying what to do next, or the problem's detail.
  function status(sectionId, text, kind = 'empty') {
    const section = $(sectionId);
    let line = section.querySelector(':scope > .status');
    if (!line) {
      line = el('p', { class: 'status', role: 'status' });
      section.querySelector('h2').after(line);
    }
    line.className = `status ${kind}`;
    line.textContent = text || '';
    line.hidden = !text;
  }
  const problem = (sectionId, error) => status(sectionId, `The API said: ${error.message}`, 'problem');

  function rows(tableId, items, cells) {
    const body = $(tableId).querySelector('tbody');
    body.replaceChildren(...items.map((item) => el('tr', {}, ...cells(item))));
  }
  // A figure's cell: its text, and the API's own value in data-value (absent fields are null), for tests and tools.
  const cell = (text, value, field) => el('td', { text, dataset: { field, value: JSON.stringify(value ?? null) } });

  // ---------- charts (Chart.js, vendored) ----------

  const palette = ['#1f5fbf', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207', '#4d7c0f'];

  function draw(canvasId, config) {
    charts.get(canvasId)?.destroy();
    $(canvasId).parentElement.hidden = false;
    config.options = { responsive: true, maintainAspectRatio: false, animation: false, ...config.options };
    charts.set(canvasId, new window.Chart($(canvasId), config));
  }
  function clearChart(canvasId) {
    charts.get(canvasId)?.destroy();
    charts.delete(canvasId);
    $(canvasId).parentElement.hidden = true; // no empty box where there is nothing to draw
  }

  // ---------- views ----------

  const overviewTiles = [
    ['reactivationRate', 'Reactivation rate', (t) => percent(t.reactivationRate)],
    ['reactivated', 'Returned customers', (t) => integer.format(t.reactivated)],
    ['revenueAfterReturn', 'Revenue after return', (t) => moneys(t.revenueAfterReturn)],
    ['rewardCost', 'Rewards', null],
    ['outstandingLiability', 'Outstanding liability', (t) => moneys(t.outstandingLiability)],
    ['roi', 'ROI', (t) => (t.roi.length ? t.roi.map((r) => `${percent(r.value)} ${r.currency.toUpperCase()}`).join(' · ') : '—')],
  ];

  function tile(testId, label, text, value, extra) {
    return el('div', { class: 'tile', 'data-testid': testId, dataset: { value: JSON.stringify(value) } },
      el('span', { class: 'label', text: label }), el('span', { class: 'figure', text }), extra);
  }

  async function loadOverview(rules) {
    const report = await api('/v1/reports/overview');
    const totals = report.totals;
    $('as-of').textContent = `Figures as of ${report.asOf}`;
    const tiles = overviewTiles.map(([field, label, text]) => {
      if (field !== 'rewardCost') return tile(`overview-${field}`, label, text(totals), totals[field]);
      const cost = totals.rewardCost;
      const list = el('dl', { class: 'costs' }, ...['issued', 'redeemed', 'expired'].flatMap((part) => [
        el('dt', { text: part }),
        el('dd', { 'data-testid': `overview-rewardCost-${part}`, text: moneys(cost[part]), dataset: { value: JSON.stringify(cost[part]) } }),
      ]));
      return tile('overview-rewardCost', label, '', cost, list);
    });
    $('overview-tiles').replaceChildren(...tiles);
    status('overview', totals.lapsed === 0
      ? (rules.length ? 'No customer has lapsed under a rule yet: record activity (POST /v1/activities), then let the sweep run.'
        : 'No rules yet: create one in Swagger (/swagger, POST /v1/rules), then record activity.')
      : '');
  }

  async function loadUplift(ruleNames) {
    const report = await api('/v1/reports/reactivation?groupBy=variant');
    const groups = report.rows;
    const label = (row) => (row.ruleId ? `${ruleNames.get(row.ruleId) || row.ruleId} · ${row.variant || 'default'}` : row.variant || 'all');
    rows('uplift-table', groups, (row) => [
      cell(ruleNames.get(row.ruleId) || row.ruleId || '—', row.ruleId, 'ruleId'),
      cell(row.variant || '—', row.variant, 'variant'),
      cell(integer.format(row.lapsed), row.lapsed, 'lapsed'),
      cell(integer.format(row.treated), row.treated, 'treated'),
      cell(integer.format(row.holdout), row.holdout, 'holdout'),
      cell(percent(row.reactivationRate), row.reactivationRate, 'reactivationRate'),
      cell(percent(row.holdoutRate), row.holdoutRate, 'holdoutRate'),
      cell(points(row.uplift?.value), row.uplift?.value ?? null, 'uplift'),
      cell(points(row.uplift?.ciLow), row.uplift?.ciLow ?? null, 'ciLow'),
      cell(points(row.uplift?.ciHigh), row.uplift?.ciHigh ?? null, 'ciHigh'),
    ]);
    $('uplift-table').querySelectorAll('tbody tr').forEach((tr) => tr.setAttribute('data-testid', 'uplift-row'));
    const measured = groups.filter((row) => row.uplift);
    if (!groups.length) {
      clearChart('uplift-chart');
      status('uplift', 'No results yet: give a rule a holdout (experiment.holdoutPercent) and wait for customers to lapse and return.');
      return;
    }
    status('uplift', measured.length ? '' : 'No interval yet: a group needs both treated and holdout customers.');
    const labels = measured.map(label);
    const pp = (x) => x * 100;
    draw('uplift-chart', {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: '95% interval', data: measured.map((r) => [pp(r.uplift.ciLow), pp(r.uplift.ciHigh)]), backgroundColor: '#5b6b82',
            barThickness: 4, order: 2 },
          { type: 'scatter', label: 'Uplift', data: measured.map((r, i) => ({ x: pp(r.uplift.value), y: labels[i] })),
            backgroundColor: '#c2410c', borderColor: '#7c2d12', pointRadius: 6, order: 1 },
        ],
      },
      options: {
        indexAxis: 'y',
        scales: {
          x: { title: { display: true, text: 'uplift (percentage points)' },
            grid: { color: (c) => (c.tick?.value === 0 ? '#111' : '#e2e5ea'), lineWidth: (c) => (c.tick?.value === 0 ? 2 : 1) } },
          y: { type: 'category', labels },
        },
        plugins: { legend: { position: 'bottom' } },
      },
    });
  }

  async function loadReturns() {
    const report = await api('/v1/reports/returns'); // the 12 months up to the tenant's own month
    const cohorts = report.cohorts.filter((c) => c.lapsed > 0);
    const share = (n, c) => (c.lapsed ? n / c.lapsed : null);
    rows('returns-table', cohorts, (c) => [
      el('th', { scope: 'row', text: c.lapseMonth }),
      cell(integer.format(c.lapsed), c.lapsed, 'lapsed'),
      cell(`${percent(share(c.returned30, c))} (${c.returned30})`, c.returned30, 'returned30'),
      cell(`${percent(share(c.returned60, c))} (${c.returned60})`, c.returned60, 'returned60'),
      cell(`${percent(share(c.returned90, c))} (${c.returned90})`, c.returned90, 'returned90'),
    ]);
    const heat = $('returns-heatmap');
    heat.querySelector('thead').replaceChildren(el('tr', {}, el('th', { scope: 'col', text: 'Lapse month' }),
      ...Array.from({ length: report.weeks }, (_, w) => el('th', { scope: 'col', text: `wk ${w + 1}` })),
      el('th', { scope: 'col', text: 'later' })));
    rows('returns-heatmap', cohorts, (c) => [
      el('th', { scope: 'row', text: c.lapseMonth }),
      ...[...c.returnedByWeek, c.returnedLater].map((n) => {
        const td = cell(percent(share(n, c)), n, 'returned');
        td.style.backgroundColor = `rgba(31, 95, 191, ${Math.min(1, 4 * (share(n, c) || 0)).toFixed(2)})`; // CSSOM: allowed by the CSP
        if ((share(n, c) || 0) > 0.12) td.classList.add('dark');
        return td;
      }),
    ]);
    if (!cohorts.length) {
      clearChart('returns-chart');
      status('returns', 'No lapsed customers in the last 12 months yet: returns appear once a rule has caught lapsed customers.');
      return;
    }
    status('returns', '');
    draw('returns-chart', {
      type: 'line',
      data: {
        labels: ['30 days', '60 days', '90 days'],
        datasets: cohorts.map((c, i) => ({ label: c.lapseMonth, borderColor: palette[i % palette.length],
          backgroundColor: palette[i % palette.length],
          data: [c.returned30, c.returned60, c.returned90].map((n) => 100 * share(n, c)) })),
      },
      options: { scales: { y: { min: 0, title: { display: true, text: 'returned (%)' } } }, plugins: { legend: { position: 'bottom' } } },
    });
  }

  async function loadLiability() {
    const report = await api('/v1/reports/liability');
    const tiles = [tile('liability-outstanding', 'Outstanding now', moneys(report.outstanding), report.outstanding)];
    for (const soon of report.expiring)
      tiles.push(tile(`liability-expiring-${soon.days}`, `Expiring in ${soon.days} days`,
        `${moneys(soon.credit)} (${integer.format(soon.rewards)} rewards)`, soon));
    $('liability-tiles').replaceChildren(...tiles);
    rows('liability-table', report.daily, (day) => [el('th', { scope: 'row', text: day.date }), cell(moneys(day.outstanding), day.outstanding, 'outstanding')]);
    const currencies = [...new Set(report.daily.flatMap((d) => d.outstanding.map((m) => m.currency)))];
    if (!report.daily.length) {
      clearChart('liability-chart');
      status('liability', 'No liability history yet: it starts when the first reward is issued.');
      return;
    }
    status('liability', currencies.length ? '' : 'Nothing outstanding: no reward credit is owed.');
    draw('liability-chart', {
      type: 'line',
      data: {
        labels: report.daily.map((d) => d.date),
        datasets: (currencies.length ? currencies : ['']).map((currency, i) => ({
          label: currency ? currency.toUpperCase() : 'outstanding', borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length],
          pointRadius: 0, data: report.daily.map((d) => {
            const m = d.outstanding.find((o) => o.currency === currency);
            return m ? majorUnits(m) : 0;
          }),
        })),
      },
      options: {
        scales: { x: { ticks: { maxTicksLimit: 8 } }, y: { min: 0, title: { display: true, text: 'outstanding (major units)' } } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
  }

  async function loadRisk() {
    let report;
    try {
      report = await api('/v1/reports/risk');
    } catch (error) {
      $('risk-tiles').replaceChildren();
      rows('risk-table', [], () => []);
      clearChart('risk-chart');
      if (error.status !== 409) throw error;
      status('risk', `No purchase model yet: ${error.message}`);
      return;
    }
    status('risk', '');
    $('risk-tiles').replaceChildren(
      tile('risk-customers', 'Customers scored', integer.format(report.customers), report.customers),
      tile('risk-atRiskCustomers', 'At risk', integer.format(report.atRiskCustomers), report.atRiskCustomers),
      tile('risk-lifetimeValueAtRisk', 'Lifetime value at risk', moneys(report.lifetimeValueAtRisk), report.lifetimeValueAtRisk));
    const range = (d) => `${d.from.toFixed(1)}–${d.to.toFixed(1)}`;
    rows('risk-table', report.deciles, (d) => [el('th', { scope: 'row', text: range(d) }), cell(integer.format(d.customers), d.customers, 'customers')]);
    draw('risk-chart', {
      type: 'bar',
      data: { labels: report.deciles.map(range), datasets: [{ label: 'customers', data: report.deciles.map((d) => d.customers), backgroundColor: '#1f5fbf' }] },
      options: { scales: { x: { title: { display: true, text: 'P(alive)' } } }, plugins: { legend: { display: false } } },
    });
  }

  async function loadWebhooks() {
    const page = await api('/v1/webhook-endpoints?limit=100');
    if (!page.data.length) {
      $('webhook-list').replaceChildren();
      status('webhooks', 'No webhook endpoints yet: add one in Swagger (POST /v1/webhook-endpoints).');
      return;
    }
    status('webhooks', '');
    const cards = await Promise.all(page.data.map(async (endpoint) => {
      const card = el('article', { class: 'endpoint', 'data-testid': 'webhook-endpoint', 'aria-label': `Endpoint ${endpoint.url}` },
        el('h3', { text: endpoint.description || endpoint.url }), el('p', { class: 'url', text: endpoint.url }));
      try {
        const [health, failed] = await Promise.all([
          api(`/v1/webhook-endpoints/${encodeURIComponent(endpoint.id)}/health`),
          api(`/v1/webhook-endpoints/${encodeURIComponent(endpoint.id)}/deliveries?status=failed&limit=5`),
        ]);
        const ms = (x) => (x === null ? '—' : `${integer.format(x)} ms`);
        card.append(el('dl', { class: 'health', dataset: { value: JSON.stringify(health) } },
          el('dt', { text: 'Success rate' }), el('dd', { 'data-testid': 'webhook-successRate', text: `${percent(health.successRate)} of ${integer.format(health.attempts)}` }),
          el('dt', { text: 'Latency p50 / p95' }), el('dd', { text: `${ms(health.latencyMsP50)} / ${ms(health.latencyMsP95)}` }),
          el('dt', { text: 'Failed deliveries' }), el('dd', { 'data-testid': 'webhook-failedDeliveries', text: integer.format(health.failedDeliveries) }),
          el('dt', { text: 'Last error' }), el('dd', { 'data-testid': 'webhook-lastError',
            text: health.lastFailure ? `${health.lastFailure.at}: ${health.lastFailure.statusCode ?? ''} ${health.lastFailure.error}`.trim() : 'none' })));
        if (endpoint.disabledReason) card.append(el('p', { class: 'problem', text: `Disabled: ${endpoint.disabledReason}` }));
        if (failed.data.length) {
          const list = el('ul', { class: 'failures' });
          for (const delivery of failed.data) {
            const result = el('span', { class: 'result', role: 'status' });
            const button = el('button', { type: 'button', text: 'Retry', 'aria-label': `Retry delivery ${delivery.id} (${delivery.eventType})` });
            button.addEventListener('click', async () => {
              button.disabled = true;
              try {
                const retried = await api(`/v1/webhook-deliveries/${encodeURIComponent(delivery.id)}/retry`, { method: 'POST' });
                result.textContent = `queued (${retried.status})`;
              } catch (error) {
                result.textContent = `The API said: ${error.message}`;
                button.disabled = false;
              }
            });
            list.append(el('li', {}, el('span', { text: `${delivery.eventType} · ${delivery.lastStatusCode ?? ''} ${delivery.lastError ?? ''}` }), button, result));
          }
          card.append(el('h4', { text: 'Failed deliveries' }), list);
        }
      } catch (error) {
        card.append(el('p', { class: 'problem', text: `The API said: ${error.message}` }));
      }
      return card;
    }));
    $('webhook-list').replaceChildren(...cards);
  }

  const describeTrigger = (t) => [t.type, t.days ? `${t.days} days` : null, t.pAliveBelow ? `P(alive) < ${t.pAliveBelow}` : null]
    .filter(Boolean).join(', ');
  function describeReward(r) {
    if (!r) return '—';
    if (r.amount && r.currency) return `${r.type}: ${money(r)}`;
    if (r.percent) return `${r.type}: ${r.percent}%`;
    if (r.days) return `${r.type}: ${r.days} days`;
    return r.sku ? `${r.type}: ${r.sku}` : r.type;
  }

  function spendCell(rule) {
    const budget = rule.budget;
    if (!budget) return el('td', { text: rule.limits?.totalBudget ? `budget ${money(rule.limits.totalBudget)}` : 'no budget' });
    const spent = budget.spent;
    const td = el('td', { dataset: { field: 'budget', value: JSON.stringify(budget) } });
    td.append(el('span', { text: `${money(spent)}${budget.total ? ` of ${money(budget.total)}` : ' (no total budget)'}` }));
    if (budget.total && budget.total.amount > 0)
      td.append(el('meter', { min: '0', max: String(budget.total.amount), value: String(Math.min(spent.amount, budget.total.amount)),
        'aria-label': `${rule.name || rule.id}: spend against total budget` }));
    if (budget.daily) td.append(el('span', { class: 'small', text: ` today ${money(budget.spentToday)} of ${money(budget.daily)}` }));
    return td;
  }

  async function preview(rule, button) {
    const out = $('preview');
    button.disabled = true;
    out.replaceChildren(el('p', { text: `Previewing ${rule.name || rule.id}…` }));
    try {
      const p = await api(`/v1/rules/${encodeURIComponent(rule.id)}/preview`, { method: 'POST' });
      out.replaceChildren(el('h3', { text: `Preview of ${rule.name || rule.id} as of ${p.asOf}` }),
        el('dl', { 'data-testid': 'preview-result', dataset: { value: JSON.stringify(p) } },
          el('dt', { text: 'Lapsed now' }), el('dd', { text: integer.format(p.lapsed) }),
          el('dt', { text: 'Eligible' }), el('dd', { text: integer.format(p.eligible) }),
          el('dt', { text: 'Holdout' }), el('dd', { text: integer.format(p.holdout) }),
          el('dt', { text: 'Would be rewarded' }), el('dd', { 'data-testid': 'preview-rewarded', text: integer.format(p.rewarded) }),
          el('dt', { text: 'Cost' }), el('dd', { text: moneys(p.cost) }),
          el('dt', { text: 'Budget' }), el('dd', { text: p.budget ? (p.budget.runsOut ? 'runs out' : 'enough') : 'no budget' })));
    } catch (error) {
      out.replaceChildren(el('p', { class: 'problem', text: `The API said: ${error.message}` }));
    } finally {
      button.disabled = false;
      out.focus();
    }
  }

  function showRules(rules) {
    rows('rules-table', rules, (rule) => {
      const button = el('button', { type: 'button', text: 'Preview', 'aria-label': `Preview ${rule.name || rule.id}` });
      button.addEventListener('click', () => preview(rule, button));
      return [
        el('th', { scope: 'row', text: rule.name || rule.id }),
        el('td', { text: rule.status }),
        el('td', { text: describeTrigger(rule.trigger) }),
        el('td', { text: describeReward(rule.reward) }),
        spendCell(rule),
        el('td', {}, button),
      ];
    });
    status('rules', rules.length ? '' : 'No rules yet: create one in Swagger (/swagger, POST /v1/rules).');
  }

  async function loadClock() {
    const key = sessionStorage.getItem(KEY) || '';
    $('clock').hidden = !key.startsWith('wb_test_');
    if ($('clock').hidden) return;
    const clock = await api('/v1/test-clock');
    $('clock-now').textContent = clock.now;
    $('clock-now').setAttribute('datetime', clock.now);
    $('clock-to').min = clock.now.slice(0, 16);
    if (!$('clock-to').value) $('clock-to').value = clock.now.slice(0, 16);
  }

  // ---------- the page ----------

  // Each view loads on its own: one that fails shows its problem and leaves the others be.
  async function view(sectionId, load) {
    try {
      await load();
    } catch (error) {
      if (error.status === 401) return signOut('That key was not accepted (401). Paste a current admin key.');
      problem(sectionId, error);
      $(sectionId).querySelectorAll('canvas').forEach((canvas) => clearChart(canvas.id));
    }
  }

  async function loadAll() {
    let rules = [];
    await view('rules', async () => {
      rules = (await api('/v1/rules?limit=100')).data;
      showRules(rules);
    });
    if (!sessionStorage.getItem(KEY)) return;
    const names = new Map(rules.map((r) => [r.id, r.name || r.id]));
    await Promise.all([
      view('overview', () => loadOverview(rules)),
      view('uplift', () => loadUplift(names)),
      view('returns', loadReturns),
      view('liability', loadLiability),
      view('risk', loadRisk),
      view('webhooks', loadWebhooks),
      view('clock', loadClock),
    ]);
    document.body.dataset.loaded = 'true';
  }

  function signOut(reason) {
    sessionStorage.removeItem(KEY);
    for (const id of [...charts.keys()]) clearChart(id);
    document.body.dataset.loaded = 'false';
    $('board').hidden = true;
    $('sign-out').hidden = true;
    $('sign-in').hidden = false;
    $('as-of').textContent = '';
    for (const id of ['overview-tiles', 'liability-tiles', 'risk-tiles', 'webhook-list', 'preview']) $(id).replaceChildren();
    document.querySelectorAll('#board tbody').forEach((b) => b.replaceChildren());
    const note = $('sign-in-problem');
    note.textContent = reason || '';
    note.hidden = !reason;
    $('api-key').focus();
  }

  async function signedIn() {
    $('sign-in').hidden = true;
    $('board').hidden = false;
    $('sign-out').hidden = false;
    await loadAll();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('sign-in-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = $('api-key');
      const key = input.value.trim();
      input.value = '';
      if (!/^wb_(live|test)_\S+$/.test(key)) {
        const note = $('sign-in-problem');
        note.textContent = 'That does not look like an API key: it starts with wb_live_ or wb_test_.';
        note.hidden = false;
        return;
      }
      sessionStorage.setItem(KEY, key);
      signedIn();
    });
    $('sign-out').addEventListener('click', () => signOut());
    $('clock-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const to = $('clock-to').value;
      if (!to) return;
      try {
        await api('/v1/test-clock/advance', { method: 'POST', body: { to: `${to.length === 16 ? `${to}:00` : to}Z` } });
        status('clock', '');
        await loadAll();
      } catch (error) {
        problem('clock', error);
      }
    });
    if (sessionStorage.getItem(KEY)) signedIn();
  });
})();
