// The finance page: reads GET /api/outcomes for a window and shows totals, acceptance rate, a per-day
// chart, declines by reason and every session; "Download CSV" asks the same endpoint for format=csv.
// Text is set with textContent only, never as HTML. Outcomes need a finance user's sign-in token (sent as
// a bearer token): from the identity provider's redirect (#id_token=…, AWS) or the sandbox's local sign-in.
'use strict';
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var SVG = 'http://www.w3.org/2000/svg';
  var day = function (d) { return d.toISOString().slice(0, 10); };
  var today = new Date();
  $('to').value = day(today);
  $('from').value = day(new Date(today.getTime() - 29 * 86400000));

  function query(format) {
    var q = 'from=' + encodeURIComponent($('from').value) + '&to=' + encodeURIComponent($('to').value);
    return '/api/outcomes?' + q + (format ? '&format=' + format : '');
  }
  function cell(row, text) { var td = document.createElement('td'); td.textContent = text == null ? '' : String(text); row.appendChild(td); }
  function amounts(map) {
    var parts = Object.keys(map).map(function (c) { return map[c] + (c === '(none)' ? '' : ' ' + c); });
    return parts.length ? parts.join(' · ') : '–';
  }
  function chart(perDay) {
    var svg = $('chart');
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var width = svg.clientWidth || 800, height = 220, pad = 24;
    var max = perDay.reduce(function (m, d) { return Math.max(m, d.accepted + d.declined + d.aborted); }, 1);
    var slot = (width - 2 * pad) / Math.max(perDay.length, 1);
    perDay.forEach(function (d, i) {
      var y = height - pad;
      ['accepted', 'declined', 'aborted'].forEach(function (k) {
        var h = ((height - 2 * pad) * d[k]) / max;
        if (h <= 0) return;
        var r = document.createElementNS(SVG, 'rect');
        r.setAttribute('x', String(pad + i * slot + slot * 0.15));
        r.setAttribute('width', String(Math.max(slot * 0.7, 1)));
        r.setAttribute('y', String(y - h));
        r.setAttribute('height', String(h));
        r.setAttribute('class', k);
        var t = document.createElementNS(SVG, 'title');
        t.textContent = d.day + ': ' + d[k] + ' ' + k;
        r.appendChild(t);
        svg.appendChild(r);
        y -= h;
      });
      if (perDay.length <= 31) {
        var label = document.createElementNS(SVG, 'text');
        label.setAttribute('x', String(pad + i * slot + slot / 2));
        label.setAttribute('y', String(height - 6));
        label.setAttribute('text-anchor', 'middle');
        label.setAttribute('font-size', '10');
        label.textContent = d.day.slice(5);
        svg.appendChild(label);
      }
    });
  }
  function show(data) {
    var s = data.summary;
    $('sessions').textContent = String(s.sessions);
    $('accepted').textContent = String(s.accepted);
    $('declined').textContent = String(s.declined);
    $('aborted').textContent = String(s.aborted);
    $('rate').textContent = s.sessions ? (s.acceptanceRate * 100).toFixed(1) + ' %' : '–';
    $('amounts').textContent = amounts(s.acceptedAmounts);
    chart(s.perDay);
    var reasons = $('reasons');
    reasons.replaceChildren();
    s.declinesByReason.forEach(function (r) { var tr = document.createElement('tr'); cell(tr, r.reason); cell(tr, r.count); reasons.appendChild(tr); });
    var rows = $('rows');
    rows.replaceChildren();
    data.outcomes.slice().reverse().forEach(function (o) {
      var tr = document.createElement('tr');
      cell(tr, o.at.replace('T', ' ').slice(0, 19));
      cell(tr, o.formId); cell(tr, o.workgroup); cell(tr, o.agentId);
      cell(tr, o.amount ? o.amount + (o.currency ? ' ' + o.currency : '') : '');
      cell(tr, o.last4 ? (o.brand || 'card') + ' …' + o.last4 : '');
      cell(tr, o.outcome); cell(tr, o.details); cell(tr, o.transactionId);
      rows.appendChild(tr);
    });
  }
  var TOKEN_KEY = 'secure-ivr-finance-token';
  var hash = new URLSearchParams(window.location.hash.slice(1));
  var token = hash.get('id_token') || hash.get('access_token') || sessionStorage.getItem(TOKEN_KEY);
  if (hash.get('id_token') || hash.get('access_token')) history.replaceState(null, '', window.location.pathname);

  function authorized(url, accept) {
    return fetch(url, { headers: { accept: accept, authorization: 'Bearer ' + token } }).then(function (res) {
      if (res.status === 401) { signOut(); throw new Error('sign in first'); }
      if (!res.ok) return res.json().then(function (body) { throw new Error(body.reason || (body.problems || ['request failed']).join('; ')); });
      return res;
    });
  }
  function signOut() {
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn();
  }
  function showSignIn() {
    $('sign-in').hidden = false;
    $('who').textContent = '';
    // The sandbox lists its configured users; in AWS the identity provider signs finance users in.
    fetch('/auth/users').then(function (res) { return res.ok ? res.json() : { users: [] }; }).then(function (body) {
      var select = $('username');
      select.replaceChildren();
      body.users.forEach(function (u) { var o = document.createElement('option'); o.value = u.id; o.textContent = u.name; select.appendChild(o); });
      if (!body.users.length) $('status').textContent = 'Sign in through your identity provider to see payment outcomes.';
    }).catch(function () { $('status').textContent = 'Sign in through your identity provider to see payment outcomes.'; });
  }
  $('sign-in').addEventListener('submit', function (e) {
    e.preventDefault();
    fetch('/auth/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: $('username').value }) })
      .then(function (res) { return res.json().then(function (body) { if (!res.ok) throw new Error(body.reason || 'sign-in failed'); return body; }); })
      .then(function (body) {
        token = body.token;
        sessionStorage.setItem(TOKEN_KEY, token);
        $('sign-in').hidden = true;
        $('who').textContent = 'Signed in as ' + body.userId;
        load();
      })
      .catch(function (err) { $('status').textContent = 'Sign-in failed: ' + err.message; });
  });

  function load() {
    $('status').textContent = '';
    if (!token) { showSignIn(); return; }
    authorized(query(), 'application/json')
      .then(function (res) { return res.json(); })
      .then(show)
      .catch(function (e) { $('status').textContent = 'Outcomes could not be loaded: ' + e.message; });
  }
  $('csv').addEventListener('click', function () {
    if (!token) { showSignIn(); return; }
    authorized(query('csv'), 'text/csv')
      .then(function (res) { return res.blob(); })
      .then(function (blob) {
        var a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = 'outcomes-' + $('from').value + '-' + $('to').value + '.csv';
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
      })
      .catch(function (e) { $('status').textContent = 'The CSV could not be downloaded: ' + e.message; });
  });
  $('window').addEventListener('submit', function (e) { e.preventDefault(); load(); });
  load();
})();
