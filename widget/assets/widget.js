/* Parley widget loader. Embed with:
   <script src="https://GATEWAY/widget.js" data-site="SITE_KEY" async></script>
   Calls made before the widget has loaded are queued: window.Parley.q holds
   [method, ...args] entries that are replayed once it is ready. */
(function () {
  'use strict';
  var s = document.currentScript ||
    document.querySelector('script[data-site][src*="/widget.js"]') ||
    document.querySelector('script[data-site]');
  if (!s || !s.src) return;
  var w = window;
  if (w.Parley && (w.Parley.ready || w.Parley.loading)) return;
  var origin = new URL(s.src, location.href).origin;
  var q = (w.Parley && Array.isArray(w.Parley.q)) ? w.Parley.q : [];
  var stub = { q: q, loading: true };
  ['open', 'close', 'toggle', 'identify', 'on', 'off'].forEach(function (m) {
    stub[m] = function () { q.push([m].concat([].slice.call(arguments))); };
  });
  w.Parley = stub;
  import(origin + '/widget/app.js').then(function (m) {
    return m.start({ site: s.getAttribute('data-site') || '', origin: origin, queue: q });
  }).catch(function (e) {
    stub.loading = false;
    if (w.console) w.console.error('Parley: the chat widget could not load', e);
  });
})();
