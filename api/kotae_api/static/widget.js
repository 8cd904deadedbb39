/* kotae chat widget: a <kotae-chat> element in its own shadow DOM. No dependencies; no inline script, no
 * eval, no inline style, so it runs under a strict CSP; every text from the service is set as text, never as HTML. */
(() => {
  'use strict';
  if (!window.customElements || customElements.get('kotae-chat')) return;

  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const STORE = 'kotae-chat:v1:';
  const MAX_HISTORY = 8; // earlier turns sent with a follow-up question
  const MAX_TURNS = 30; // turns kept for the page session

  const STRINGS = {
    en: {
      title: 'Ask the documents', close: 'Close the chat', newChat: 'New conversation',
      transcript: 'Conversation', inputLabel: 'Your question', send: 'Send',
      placeholder: 'Ask in Japanese or English (Enter sends, Shift+Enter adds a line)',
      welcome: 'Ask a question in Japanese or English. Answers quote the documents and link to the exact passage.',
      thinking: 'Searching the documents…', sources: 'Sources',
      nearest: 'Closest passages (they may not answer the question)', abstained: 'Not in the documents',
      abstainedText: "The documents don't say.", glosses: 'Key terms', cite: 'Source {n}',
      back: 'Back to the conversation', loadingDoc: 'Loading the document…',
      docError: 'The document could not be loaded. Please try again.', docRegion: 'Document text',
      retry: 'Try again', requestId: 'Request ID',
      errNetwork: "The service can't be reached. Check your connection and try again.",
      errRate: 'Too many questions at the moment. Please try again in {s} seconds.',
      errRateSoon: 'Too many questions at the moment. Please wait a little and try again.',
      errServer: 'Something went wrong on the server. Please try again.',
      errCut: 'The answer was cut off. Please try again.',
      errTimeout: 'The answer is taking too long. Please try again.',
      errBad: 'This question could not be sent: {detail}'
    },
    ja: {
      title: '資料に質問する', close: 'チャットを閉じる', newChat: '新しい会話',
      transcript: '会話', inputLabel: '質問', send: '送信',
      placeholder: '日本語または英語で質問(Enterで送信、Shift+Enterで改行)',
      welcome: '日本語または英語で質問してください。回答は資料の文章を引用し、該当箇所へのリンクを示します。',
      thinking: '資料を検索しています…', sources: '出典',
      nearest: '関連しそうな箇所(質問の答えではない可能性があります)', abstained: '資料に記述なし',
      abstainedText: '資料には該当する記述が見つかりませんでした。', glosses: '用語', cite: '出典 {n}',
      back: '会話に戻る', loadingDoc: '資料を読み込んでいます…',
      docError: '資料を読み込めませんでした。もう一度お試しください。', docRegion: '資料の本文',
      retry: 'もう一度試す', requestId: 'リクエストID',
      errNetwork: 'サービスに接続できません。接続を確認して、もう一度お試しください。',
      errRate: '質問が集中しています。{s}秒後にもう一度お試しください。',
      errRateSoon: '質問が集中しています。少し待ってから、もう一度お試しください。',
      errServer: 'サーバーで問題が発生しました。もう一度お試しください。',
      errCut: '回答が途中で途切れました。もう一度お試しください。',
      errTimeout: '回答に時間がかかっています。もう一度お試しください。',
      errBad: 'この質問は送信できませんでした: {detail}'
    }
  };

  const CSS = [
    // Styles the host page can give the element itself (inherited ones too) are reset on the parts inside.
    ':host{all:initial}.launcher,.panel{position:fixed;z-index:2147483000;right:16px;color:#1f2937;text-align:left;',
    'font:15px/1.6 system-ui,-apple-system,"Segoe UI","Hiragino Sans","Noto Sans JP","Yu Gothic",Meiryo,sans-serif}',
    '*,*::before,*::after{box-sizing:border-box}[hidden]{display:none!important}',
    'button{font:inherit;color:inherit;cursor:pointer}button:disabled{cursor:default}',
    ':focus-visible{outline:3px solid #b45309;outline-offset:2px}',
    '.launcher{bottom:16px;display:flex;align-items:center;gap:8px;border:0;border-radius:999px;padding:12px 18px;',
    'background:#1d4ed8;color:#fff;font-weight:600;box-shadow:0 4px 14px rgba(0,0,0,.3)}',
    '.launcher svg{width:20px;height:20px;fill:currentColor}',
    '.panel{bottom:84px;width:min(420px,calc(100vw - 32px));',
    'height:min(640px,calc(100vh - 108px));display:flex;flex-direction:column;background:#fff;',
    'border:1px solid #9ca3af;border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.3);overflow:hidden}',
    'header{display:flex;align-items:center;gap:8px;padding:10px 12px;background:#1d4ed8;color:#fff}',
    'h2{flex:1;min-width:0;margin:0;font-size:16px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}',
    'header button{background:transparent;color:#fff;border:1px solid #c7d2fe;border-radius:8px;',
    'padding:4px 10px;font-size:13px;white-space:nowrap}button:hover{filter:brightness(.9)}',
    'header .close{font-size:20px;line-height:1;padding:3px 10px}',
    '.chat,.source{flex:1;display:flex;flex-direction:column;min-height:0}',
    '.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:12px}',
    '.welcome{margin:0;color:#4b5563}.msg{overflow-wrap:anywhere;min-width:0}',
    '.msg p{margin:0 0 6px}.msg p:last-child{margin-bottom:0}',
    '.user{align-self:flex-end;max-width:85%;background:#e0e7ff;color:#1e1b4b;white-space:pre-wrap;',
    'border-radius:12px 12px 2px 12px;padding:8px 12px}',
    '.bot{background:#f9fafb;border:1px solid #d1d5db;border-radius:12px 12px 12px 2px;padding:10px 12px}',
    '.abstained{background:#fffbeb;border:2px dashed #b45309;color:#78350f}',
    '.badge{display:inline-block;font-size:12px;font-weight:700;border-radius:6px;padding:0 6px;',
    'margin-bottom:4px;background:#b45309;color:#fff}',
    '.error{background:#fef2f2;border:1px solid #b91c1c;color:#7f1d1d}',
    '.rid{font-size:12px;color:#4b5563}',
    '.cite{border:0;background:none;padding:0 2px;color:#1d4ed8;text-decoration:underline;font-weight:600}',
    '.short{margin:0 0 4px;font-size:17px;font-weight:700}',
    '.note,.glosses{font-size:13px;color:#4b5563}.glosses ul{display:inline;margin:0;padding:0;list-style:none}',
    '.glosses li{display:inline}.glosses li+li::before{content:" · "}',
    'h3{margin:8px 0 2px;font-size:13px;color:#374151}',
    '.sources{margin:0;padding:0;list-style:none;border-top:1px solid #d1d5db}',
    '.ref{display:block;width:100%;text-align:left;background:none;border:0;padding:6px 2px;border-radius:6px}',
    '.ref .title{color:#1d4ed8;text-decoration:underline;font-weight:600}',
    '.ref q{display:block;font-size:13px;color:#374151}',
    '.retry{margin-top:6px;background:#b91c1c;color:#fff;border:0;border-radius:8px;padding:6px 12px}',
    '.retry:disabled{background:#6b7280}',
    '.status{display:flex;align-items:center;gap:8px;color:#4b5563}',
    '.spin{width:14px;height:14px;border:2px solid #93c5fd;border-top-color:#1d4ed8;border-radius:50%;',
    'animation:spin 1s linear infinite}@keyframes spin{to{transform:rotate(360deg)}}',
    '.ask{display:flex;gap:8px;padding:10px;border-top:1px solid #d1d5db;background:#fff}',
    'textarea{flex:1;min-width:0;resize:none;font:inherit;color:#111827;background:#fff;padding:8px;',
    'border:1px solid #6b7280;border-radius:8px;height:64px}',
    '.send{background:#1d4ed8;color:#fff;border:0;border-radius:8px;padding:0 16px;font-weight:600}',
    '.send:disabled{background:#6b7280}',
    '.srchead{display:flex;align-items:center;padding:8px 12px;border-bottom:1px solid #d1d5db}',
    '.back{background:none;border:1px solid #1d4ed8;color:#1d4ed8;border-radius:8px;padding:4px 10px}',
    '.srctitle{margin:8px 12px 0;font-size:15px;color:#111827;outline-offset:-2px}',
    '.meta{margin:2px 12px 6px;font-size:12px;color:#4b5563;overflow-wrap:anywhere}.meta a{color:#1d4ed8}',
    '.doc{position:relative;flex:1;overflow-y:auto;padding:8px 12px 24px;white-space:pre-wrap;',
    'overflow-wrap:anywhere;font-size:14px;border-top:1px solid #e5e7eb}',
    '.ctx{background:#dbeafe}mark{background:#fde047;color:#111827;outline:2px solid #ca8a04}',
    '.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}',
    '@media (max-width:480px){.panel{inset:0;width:auto;height:auto;border-radius:0;border:0}}',
    '@media (prefers-reduced-motion:reduce){.spin{animation:none}}'
  ].join('');

  // An element with attributes (`text` sets textContent, `on…` adds a listener) and children (strings become text).
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') el.textContent = v;
      else if (k === 'class') el.className = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
    return el;
  }

  function httpUrl(value) {
    try {
      const url = new URL(String(value), document.baseURI);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
    } catch (e) { return null; }
  }

  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, k) => values[k]);

  function pickLang(pref) {
    pref = String(pref || 'auto').toLowerCase();
    if (pref === 'ja' || pref === 'en') return pref;
    const first = [document.documentElement.lang, ...(navigator.languages || [navigator.language])].find(Boolean);
    return /^ja\b/i.test(first || '') ? 'ja' : 'en';
  }

  // Seconds to wait from a Retry-After header: a number of seconds or an HTTP date.
  function retryAfter(value) {
    if (!value) return null;
    const s = /^\s*\d+\s*$/.test(value) ? parseInt(value, 10) : Math.ceil((Date.parse(value) - Date.now()) / 1000);
    return isNaN(s) ? null : Math.max(1, s);
  }

  class Failure {
    constructor(kind, extra) { Object.assign(this, { kind }, extra); }
  }

  // Server-Sent Events from a fetch body: `data:` lines joined per event, comments ignored.
  async function readEvents(body, onChunk, onEvent) {
    const reader = body.getReader(), decoder = new TextDecoder();
    let buffer = '', data = [], name = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      onChunk();
      buffer += decoder.decode(value, { stream: true });
      let at;
      while ((at = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, at).replace(/\r$/, '');
        buffer = buffer.slice(at + 1);
        if (line === '') {
          if (data.length) {
            const event = JSON.parse(data.join('\n'));
            event.type = event.type || name;
            if (onEvent(event) === false) { reader.cancel().catch(() => {}); return; }
          }
          data = []; name = '';
        } else if (line[0] !== ':') {
          const colon = line.indexOf(':'), field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'data') data.push(value);
          else if (field === 'event') name = value;
        }
      }
    }
  }

  function short(text) {
    text = String(text || '').replace(/\s+/g, ' ').trim();
    return text.length > 160 ? text.slice(0, 159) + '…' : text;
  }

  // History (chat messages) must pass the API's checks: no control characters, bounded length.
  const clean = (text, max) => String(text || '').replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g, '').slice(0, max);

  // What is kept of an answer for the session: enough to show it again and to send it as history.
  const slim = (a) => ({
    abstained: !!a.abstained, message: a.message || null, note: a.note || null,
    glosses: Array.isArray(a.glosses) ? a.glosses : [], short_answer: a.short_answer || null,
    answer: a.answer ? { text: String(a.answer.text || ''), sentences: a.answer.sentences || [] } : null,
    passages: (a.passages || []).map((p) => ({ rank: p.rank, doc_id: p.doc_id, title: p.title, start: p.start,
      end: p.end, text: short(p.text) }))
  });

  class KotaeChat extends HTMLElement {
    constructor() {
      super();
      this.attachShadow({ mode: 'open' });
      this.turns = [];
      this.docs = new Map();
      this.busy = false;
    }

    connectedCallback() {
      if (this.t) return;
      const given = this.getAttribute('api'), api = httpUrl(given || (script && script.src) || location.href);
      this.api = api ? (given ? api.href : api.origin).replace(/\/+$/, '') : '';
      this.lang = pickLang(this.getAttribute('locale'));
      this.t = STRINGS[this.lang];
      this.timeoutMs = Math.max(1, parseFloat(this.getAttribute('timeout')) || 45) * 1000;
      this.build();
      this.restore();
      if (this.hasAttribute('open') && this.getAttribute('open') !== 'false') this.open(false);
    }

    build() {
      const t = this.t, root = this.shadowRoot;
      if ('adoptedStyleSheets' in root && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
      } else {
        root.append(h('style', { text: CSS }));
      }
      const title = this.getAttribute('heading') || t.title;
      const svg = (tag, attrs) => {
        const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
        for (const k in attrs) el.setAttribute(k, attrs[k]);
        return el;
      };
      const icon = svg('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true' });
      icon.append(svg('path', { d: 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z' }));
      this.launcher = h('button', { class: 'launcher', type: 'button', 'aria-expanded': 'false',
        'aria-controls': 'kotae-panel', onclick: () => this.toggle() }, icon, h('span', { text: title }));
      this.log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions',
        'aria-label': t.transcript, tabindex: '0' }, h('p', { class: 'welcome', text: t.welcome }));
      this.input = h('textarea', { id: 'kotae-q', rows: '2', maxlength: '1000', placeholder: t.placeholder,
        autocomplete: 'off', enterkeyhint: 'send' });
      this.sendButton = h('button', { class: 'send', type: 'button', text: t.send, onclick: () => this.submit() });
      this.chat = h('div', { class: 'chat' }, this.log, h('div', { class: 'ask' },
        h('label', { class: 'vh', for: 'kotae-q', text: t.inputLabel }), this.input, this.sendButton));
      this.srcTitle = h('h3', { class: 'srctitle', tabindex: '-1' });
      this.srcMeta = h('p', { class: 'meta' });
      this.doc = h('div', { class: 'doc', role: 'region', 'aria-label': t.docRegion, tabindex: '0' });
      this.source = h('div', { class: 'source', hidden: true }, h('div', { class: 'srchead' },
        h('button', { class: 'back', type: 'button', text: '← ' + t.back, onclick: () => this.closeSource() })),
      this.srcTitle, this.srcMeta, this.doc);
      this.panel = h('section', { class: 'panel', id: 'kotae-panel', role: 'dialog', 'aria-modal': 'false',
        'aria-labelledby': 'kotae-title', lang: this.lang, hidden: true },
      h('header', null, h('h2', { id: 'kotae-title', text: title }),
        h('button', { class: 'new', type: 'button', text: t.newChat, onclick: () => this.reset() }),
        h('button', { class: 'close', type: 'button', 'aria-label': t.close, text: '×', onclick: () => this.close() })),
      this.chat, this.source);
      root.append(this.launcher, this.panel);

      this.input.addEventListener('compositionstart', () => { this.composing = true; });
      this.input.addEventListener('compositionend', () => { this.composing = false; });
      this.input.addEventListener('keydown', (e) => {
        if (e.key !== 'Enter' || e.shiftKey) return;
        // Enter that confirms an IME conversion (Japanese input) must never send the message.
        if (e.isComposing || e.keyCode === 229 || this.composing) return;
        e.preventDefault();
        this.submit();
      });
      root.addEventListener('keydown', (e) => {
        if (e.key !== 'Escape' || e.isComposing || e.keyCode === 229 || this.panel.hidden) return;
        e.preventDefault();
        if (!this.source.hidden) this.closeSource();
        else this.close();
      });
    }

    open(focus) {
      this.panel.hidden = false;
      this.launcher.setAttribute('aria-expanded', 'true');
      this.scrollDown();
      if (focus !== false) this.input.focus();
    }

    close() {
      this.panel.hidden = true;
      this.launcher.setAttribute('aria-expanded', 'false');
      this.launcher.focus();
    }

    toggle() {
      if (this.panel.hidden) this.open();
      else this.close();
    }

    get storageKey() { return STORE + this.api; }

    restore() {
      try {
        const saved = JSON.parse(sessionStorage.getItem(this.storageKey) || '[]');
        for (const turn of saved.slice(-MAX_TURNS)) {
          this.log.append(h('div', { class: 'msg user' }, String(turn.q)), this.renderAnswer(turn));
          this.turns.push(turn);
        }
      } catch (e) { /* storage blocked, or not what this widget wrote: start afresh */ }
    }

    save() {
      try { sessionStorage.setItem(this.storageKey, JSON.stringify(this.turns.slice(-MAX_TURNS))); } catch (e) { /* full or blocked */ }
    }

    reset() {
      if (this.ctl) { this.ctl.reset = true; this.ctl.abort(); }
      this.turns = [];
      try { sessionStorage.removeItem(this.storageKey); } catch (e) { /* blocked */ }
      this.log.replaceChildren(h('p', { class: 'welcome', text: this.t.welcome }));
      this.closeSource(true);
      this.input.focus();
    }

    // Public: ask a question as if typed (the demo page's example buttons use it).
    ask(question) {
      this.open();
      this.input.value = String(question || '');
      this.submit();
    }

    submit() {
      const question = this.input.value.trim();
      if (!question || this.busy) return;
      this.input.value = '';
      const bubble = h('div', { class: 'msg user' }, question);
      this.log.append(bubble);
      this.send(question, bubble);
    }

    setBusy(busy) {
      this.busy = busy;
      this.sendButton.disabled = busy;
    }

    scrollDown() { this.log.scrollTop = this.log.scrollHeight; }

    async send(question, after) {
      const history = this.turns.slice(-MAX_HISTORY).flatMap((turn) => [
        { role: 'user', content: clean(turn.q, 1000) },
        { role: 'assistant', content: clean((turn.a.answer && turn.a.answer.text) || turn.a.message, 4000) }]);
      // The streamed draft stays out of the accessibility tree: the finished answer is announced once.
      const text = h('p', { class: 'text' });
      const status = h('p', { class: 'status' }, h('span', { class: 'spin' }), this.t.thinking);
      const draft = h('div', { class: 'msg bot draft', 'aria-hidden': 'true' }, status, text);
      after.after(draft);
      this.setBusy(true);
      this.scrollDown();
      const ctl = this.ctl = new AbortController();
      try {
        const result = await this.stream(question, history, ctl, (piece) => {
          status.hidden = true;
          text.append(piece);
          this.scrollDown();
        });
        const turn = { q: question, a: slim(result) };
        this.turns.push(turn);
        this.save();
        draft.replaceWith(this.renderAnswer(turn));
      } catch (err) {
        if (ctl.reset) draft.remove();
        else draft.replaceWith(this.renderError(err instanceof Failure ? err : new Failure('network'), question));
      } finally {
        if (this.ctl === ctl) { this.ctl = null; this.setBusy(false); }
        this.scrollDown();
      }
    }

    async stream(question, history, ctl, onDelta) {
      let timer, timedOut = false, requestId = null, answer = null, failed = null;
      const stop = () => { timedOut = true; ctl.abort(); };
      const arm = () => { clearTimeout(timer); timer = setTimeout(stop, this.timeoutMs); };
      const lost = () => new Failure(timedOut ? 'timeout' : 'network', { requestId });
      arm();
      // Keep-alives hold the idle timer off, so an answer that never comes is also cut off at a limit.
      const deadline = setTimeout(stop, this.timeoutMs * 4);
      try {
        let res;
        try {
          res = await fetch(this.api + '/v1/ask/stream', {
            method: 'POST', mode: 'cors', credentials: 'omit', signal: ctl.signal,
            headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
            body: JSON.stringify({ question, history })
          });
        } catch (e) { throw lost(); }
        requestId = res.headers.get('X-Request-ID');
        if (!res.ok || !res.body) throw await this.httpFailure(res, requestId);
        try {
          await readEvents(res.body, arm, (event) => {
            if (event.type === 'meta') requestId = event.request_id || requestId;
            else if (event.type === 'delta') onDelta(String(event.text || ''));
            else if (event.type === 'answer') answer = event.answer || event;
            else if (event.type === 'error') { failed = new Failure('server', { requestId }); return false; }
            else if (event.type === 'done') return false;
          });
        } catch (e) {
          if (ctl.signal.aborted) throw lost();
        }
        if (failed) throw failed;
        // A stream that ends before its answer (the connection dropped, a proxy cut it) is reported as cut.
        if (!answer) throw new Failure('cut', { requestId });
        return answer;
      } finally {
        clearTimeout(timer);
        clearTimeout(deadline);
      }
    }

    async httpFailure(res, requestId) {
      if (res.status === 429) return new Failure('rate', { wait: retryAfter(res.headers.get('Retry-After')), requestId });
      if (res.status >= 500 || res.status < 400) return new Failure('server', { requestId });
      let detail = '';
      try { detail = (await res.json()).detail; } catch (e) { /* not problem+json */ }
      return new Failure('bad', { detail: String(detail || res.statusText || res.status), requestId });
    }

    renderError(err, question) {
      const t = this.t;
      const message = err.kind === 'rate' ? (err.wait ? fill(t.errRate, { s: err.wait }) : t.errRateSoon)
        : err.kind === 'bad' ? fill(t.errBad, { detail: err.detail })
          : t[{ network: 'errNetwork', timeout: 'errTimeout', cut: 'errCut' }[err.kind] || 'errServer'];
      const box = h('div', { class: 'msg bot error' }, h('p', { text: message }),
        err.requestId && h('p', { class: 'rid', text: t.requestId + ': ' + err.requestId }));
      if (err.kind === 'bad') return box; // the same question would be refused again
      const retry = h('button', { class: 'retry', type: 'button', text: t.retry, onclick: () => {
        if (this.busy) return;
        const before = box.previousElementSibling;
        box.remove();
        this.send(question, before);
      } });
      if (err.kind === 'rate' && err.wait) {
        retry.disabled = true;
        setTimeout(() => { retry.disabled = false; }, err.wait * 1000);
      }
      box.append(retry);
      return box;
    }

    renderAnswer(turn) {
      const t = this.t, a = turn.a, passages = a.passages || [];
      const byRank = new Map(passages.map((p) => [p.rank, p]));
      const box = h('div', { class: 'msg bot' + (a.abstained ? ' abstained' : '') });
      let refs;
      if (a.abstained || !a.answer) {
        box.append(h('span', { class: 'badge', text: t.abstained }), h('p', { text: a.message || t.abstainedText }));
        refs = passages.slice(0, 3).map((p) => ({ n: p.rank, doc_id: p.doc_id, title: p.title, start: p.start,
          end: p.end, text: p.text, passage: p }));
      } else {
        refs = (a.answer.sentences || []).map((s) => {
          const p = byRank.get(s.citation);
          return { n: s.citation, doc_id: s.doc_id, title: p ? p.title : s.doc_id, start: s.start, end: s.end,
            text: s.text, passage: p };
        });
        // The short answer, over the quote that leads with it.
        const sa = a.short_answer;
        let text = a.answer.text;
        if (sa) {
          const lead = (sa.en ? `${sa.en} (${sa.text})` : sa.text) + ' — ';
          const r = refs.find((x) => x.doc_id === sa.doc_id && x.start <= sa.start && sa.end <= x.end);
          if (text.startsWith(lead)) text = text.slice(lead.length);
          box.append(h('p', { class: 'short', lang: sa.en ? 'en' : 'ja' }, sa.en || sa.text,
            sa.en && h('span', { lang: 'ja', text: ` (${sa.text})` }), r && ' ', r && h('button', { class: 'cite', type: 'button',
              text: `[${r.n}]`, 'aria-label': fill(t.cite, { n: r.n }), onclick: this.opener({ ...r, ...sa }) })));
        }
        // Citations [n] become buttons that open the cited span; a number with nothing behind it stays text.
        const para = h('p', { class: 'answer' });
        text.split(/\[(\d+)\]/).forEach((part, i) => {
          if (i % 2 === 0) { para.append(part); return; }
          const n = parseInt(part, 10), p = byRank.get(n);
          const ref = refs.find((r) => r.n === n) || (p && { n, doc_id: p.doc_id, title: p.title, start: p.start,
            end: p.end, passage: p });
          para.append(ref ? h('button', { class: 'cite', type: 'button', text: `[${n}]`,
            'aria-label': fill(t.cite, { n }) + ': ' + ref.title, onclick: this.opener(ref) }) : `[${part}]`);
        });
        box.append(para);
      }
      if (a.note) box.append(h('p', { class: 'note', text: a.note }));
      if (a.glosses && a.glosses.length && !a.abstained) {
        box.append(h('p', { class: 'glosses' }, t.glosses + ': ', h('ul', null, a.glosses.map((g) =>
          h('li', { lang: 'ja' }, String(g.ja), h('span', { lang: 'en', text: ' — ' + g.en }))))));
      }
      if (refs.length) {
        box.append(h('h3', { text: a.abstained ? t.nearest : t.sources }), h('ol', { class: 'sources' },
          refs.map((r) => h('li', null, h('button', { class: 'ref', type: 'button', onclick: this.opener(r) },
            h('span', { class: 'title', text: `[${r.n}] ${r.title}` }), h('q', { lang: 'ja', text: r.text }))))));
      }
      return box;
    }

    opener(ref) {
      return (e) => this.openSource(ref, e.currentTarget);
    }

    async openSource(ref, from) {
      const t = this.t;
      this.returnFocus = from;
      this.chat.hidden = true;
      this.source.hidden = false;
      this.srcTitle.textContent = ref.title || ref.doc_id;
      this.srcMeta.replaceChildren();
      this.doc.replaceChildren(h('p', { class: 'status' }, h('span', { class: 'spin' }), t.loadingDoc));
      this.srcTitle.focus();
      const token = this.sourceToken = {};
      let doc;
      try {
        doc = await this.fetchDocument(ref.doc_id);
      } catch (e) {
        if (this.sourceToken === token) {
          this.doc.replaceChildren(h('p', { role: 'alert', text: t.docError }), h('button', { class: 'retry',
            type: 'button', text: t.retry, onclick: () => this.openSource(ref, from) }));
        }
        return;
      }
      if (this.sourceToken !== token) return;
      this.srcTitle.textContent = doc.title || ref.title || ref.doc_id;
      [doc.source, doc.published].filter(Boolean).map(String).forEach((value, i) => {
        const url = /^https?:\/\//i.test(value) && httpUrl(value);
        if (i) this.srcMeta.append(' · ');
        this.srcMeta.append(url ? h('a', { href: url.href, target: '_blank', rel: 'noopener noreferrer', text: value })
          : value);
      });
      this.showSpan(Array.from(String(doc.text || '')), ref);
    }

    async fetchDocument(id) {
      if (this.docs.has(id)) return this.docs.get(id);
      const ctl = new AbortController(), timer = setTimeout(() => ctl.abort(), this.timeoutMs);
      try {
        const res = await fetch(this.api + '/v1/documents/' + encodeURIComponent(id),
          { mode: 'cors', credentials: 'omit', signal: ctl.signal, headers: { Accept: 'application/json' } });
        if (!res.ok) throw new Failure('server');
        const doc = await res.json();
        this.docs.set(id, doc);
        return doc;
      } finally {
        clearTimeout(timer);
      }
    }

    // The whole document, its passage tinted and the cited span marked. Offsets count code points (as Python
    // does), so the text is cut as an array of code points, never by UTF-16 index.
    showSpan(chars, ref) {
      const cut = (a, b) => chars.slice(a, b).join(''), size = chars.length;
      const start = Math.max(0, Math.min(ref.start, size)), end = Math.max(start, Math.min(ref.end, size));
      const p = ref.passage && ref.passage.doc_id === ref.doc_id ? ref.passage : { start, end };
      const ps = Math.min(Math.max(0, p.start), start), pe = Math.max(Math.min(p.end, size), end);
      const mark = h('mark', { text: cut(start, end) });
      this.doc.replaceChildren(cut(0, ps), h('span', { class: 'ctx' }, cut(ps, start), mark, cut(end, pe)), cut(pe));
      this.doc.scrollTop = Math.max(0, mark.offsetTop - this.doc.clientHeight / 3);
    }

    closeSource(quiet) {
      this.sourceToken = null;
      if (this.source.hidden) return;
      this.source.hidden = true;
      this.chat.hidden = false;
      if (quiet) return;
      if (this.returnFocus && this.returnFocus.isConnected) this.returnFocus.focus();
      else this.input.focus();
    }
  }

  customElements.define('kotae-chat', KotaeChat);

  // The script tag's data-* attributes configure the element it adds to the page.
  function mount() {
    if (document.querySelector('kotae-chat')) return;
    const el = document.createElement('kotae-chat'), data = (script && script.dataset) || {};
    const names = { api: 'api', lang: 'locale', title: 'heading', open: 'open', timeout: 'timeout' };
    for (const key in names) if (data[key]) el.setAttribute(names[key], data[key]);
    document.body.append(el);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
