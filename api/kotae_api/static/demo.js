/* The demo page: example questions (from the server's examples file) go to the chat widget; the embed snippet
   names this server. */
(function () {
  'use strict';
  document.addEventListener('click', function (event) {
    var button = event.target.closest('button[data-question]');
    var chat = document.querySelector('kotae-chat');
    if (button && chat && typeof chat.ask === 'function') chat.ask(button.getAttribute('data-question'));
  });
  var list = document.getElementById('examples');
  var heading = document.getElementById('examples-heading');
  function showExamples(rows) {
    rows.forEach(function (row) {
      var item = document.createElement('li');
      var button = document.createElement('button');
      button.type = 'button';
      button.textContent = row.question;
      button.setAttribute('data-question', row.question);
      if (row.lang) item.lang = row.lang;
      item.appendChild(button);
      list.appendChild(item);
    });
    if (!rows.length) list.hidden = heading.hidden = true;
  }
  if (list && heading) {
    fetch('examples.json').then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) { showExamples(Array.isArray(rows) ? rows : []); },
            function () { showExamples([]); });
  }
  var snippet = document.getElementById('snippet');
  if (snippet) snippet.textContent = snippet.textContent.split('https://kotae.example').join(location.origin);
})();
