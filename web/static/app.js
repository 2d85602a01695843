/*
 * Hozur — progressive enhancement only. Every page works without this file.
 *
 *  (a) form[data-confirm]       asks window.confirm(form.dataset.confirm) on
 *                               submit and cancels if refused; a submit
 *                               button may carry its own data-confirm.
 *  (b) select[data-autosubmit]  submits its form on change.
 *  (c) .error-summary           receives focus on load; its links move focus
 *                               to the field they name (GOV.UK behaviour).
 *  (d) a[data-copy]             copies its data-copy value to the clipboard;
 *                               optional data-copied="..." text is shown and
 *                               announced for two seconds.
 *  (e) [data-progress-url]      polls that JSON ({state, done, total, text})
 *                               and moves the <progress> inside; once the
 *                               state is no longer "running" the page is
 *                               reloaded to show the outcome. Without
 *                               script, a <noscript> refresh does the same.
 */
(function () {
  'use strict';

  // ---------------------------------------------------------------- (a)
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var submitter = event.submitter;
    var message = null;
    if (submitter && submitter.hasAttribute('data-confirm')) {
      message = submitter.getAttribute('data-confirm');
    } else if (form.hasAttribute('data-confirm')) {
      message = form.dataset.confirm;
    }
    if (message !== null && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  });

  // ---------------------------------------------------------------- (b)
  function submitForm(form) {
    if (typeof form.requestSubmit === 'function') {
      form.requestSubmit(); // fires the submit event, so (a) still applies
    } else {
      var ev;
      try {
        ev = new Event('submit', { bubbles: true, cancelable: true });
      } catch (e) {
        ev = document.createEvent('Event');
        ev.initEvent('submit', true, true);
      }
      if (form.dispatchEvent(ev)) {
        form.submit();
      }
    }
  }

  document.addEventListener('change', function (event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute('data-autosubmit') && el.form) {
      submitForm(el.form);
    }
  });

  // ---------------------------------------------------------------- (c)
  function focusErrorSummary() {
    var summary = document.querySelector('.error-summary');
    if (!summary) {
      return;
    }
    if (!summary.hasAttribute('tabindex')) {
      summary.setAttribute('tabindex', '-1');
    }
    summary.focus();

    summary.addEventListener('click', function (event) {
      var link = event.target instanceof Element ? event.target.closest('a[href^="#"]') : null;
      if (!link) {
        return;
      }
      var id = decodeURIComponent(link.getAttribute('href').slice(1));
      var input = id ? document.getElementById(id) : null;
      if (!input) {
        return;
      }
      // Scroll so the question (legend or label) is visible, then focus.
      var fieldset = input.closest('fieldset');
      var legend = fieldset ? fieldset.querySelector('legend') : null;
      var label = input.id ? document.querySelector('label[for="' + cssEscape(input.id) + '"]') : null;
      var anchor = legend || label || input.closest('.field') || input;
      event.preventDefault();
      if (typeof anchor.scrollIntoView === 'function') {
        anchor.scrollIntoView();
      }
      if (input.tabIndex < 0 && !/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(input.tagName)) {
        var inner = input.querySelector('input, select, textarea');
        if (inner) {
          input = inner;
        }
      }
      input.focus({ preventScroll: true });
    });
  }

  function cssEscape(value) {
    if (window.CSS && typeof window.CSS.escape === 'function') {
      return window.CSS.escape(value);
    }
    return String(value).replace(/["\\]/g, '\\$&');
  }

  // ---------------------------------------------------------------- (d)
  var liveRegion = null;

  function announce(text) {
    if (!text) {
      return;
    }
    if (!liveRegion) {
      liveRegion = document.createElement('div');
      liveRegion.className = 'visually-hidden';
      liveRegion.setAttribute('role', 'status');
      liveRegion.setAttribute('aria-live', 'polite');
      document.body.appendChild(liveRegion);
    }
    liveRegion.textContent = '';
    window.setTimeout(function () {
      liveRegion.textContent = text;
    }, 50);
  }

  function legacyCopy(text) {
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'visually-hidden';
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand('copy');
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok;
  }

  function copyText(text) {
    // navigator.clipboard needs a secure context (https or localhost);
    // closed networks often serve plain http, so keep the old path too.
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(
        function () { return true; },
        function () { return legacyCopy(text); }
      );
    }
    return Promise.resolve(legacyCopy(text));
  }

  function copied(link) {
    var label = link.getAttribute('data-copied');
    link.classList.add('copied');
    if (label) {
      if (!link.hasAttribute('data-copy-original')) {
        link.setAttribute('data-copy-original', link.textContent);
      }
      link.textContent = label;
    }
    announce(label || link.getAttribute('data-copy'));
    window.clearTimeout(link._hozurCopyTimer);
    link._hozurCopyTimer = window.setTimeout(function () {
      link.classList.remove('copied');
      if (link.hasAttribute('data-copy-original')) {
        link.textContent = link.getAttribute('data-copy-original');
        link.removeAttribute('data-copy-original');
      }
    }, 2000);
  }

  function handleCopy(link, event) {
    event.preventDefault();
    copyText(link.getAttribute('data-copy') || '').then(function (ok) {
      if (ok) {
        copied(link);
      }
    });
  }

  document.addEventListener('click', function (event) {
    var link = event.target instanceof Element ? event.target.closest('a[data-copy]') : null;
    if (link) {
      handleCopy(link, event);
    }
  });

  // A copy link without href is not focusable: make it behave as a button.
  document.addEventListener('keydown', function (event) {
    if (event.key !== ' ' && event.key !== 'Enter') {
      return;
    }
    var link = event.target instanceof Element ? event.target.closest('a[data-copy]:not([href])') : null;
    if (link) {
      handleCopy(link, event);
    }
  });

  function enhanceCopyLinks() {
    var links = document.querySelectorAll('a[data-copy]:not([href])');
    for (var i = 0; i < links.length; i++) {
      links[i].setAttribute('tabindex', '0');
      links[i].setAttribute('role', 'button');
    }
  }

  // ---------------------------------------------------------------- (e)
  function followProgress(box) {
    var url = box.getAttribute('data-progress-url');
    var bar = box.querySelector('progress');
    var text = box.querySelector('[role="status"]');
    function poll() {
      fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (resp) {
          if (!resp.ok) {
            throw new Error(String(resp.status));
          }
          return resp.json();
        })
        .then(function (p) {
          if (p.state !== 'running') {
            window.location.reload();
            return;
          }
          if (bar && p.total > 0) {
            bar.max = p.total;
            bar.value = p.done;
          }
          if (text && p.text && text.textContent !== p.text) {
            text.textContent = p.text;
          }
          window.setTimeout(poll, 500);
        })
        .catch(function () {
          window.setTimeout(poll, 2000);
        });
    }
    window.setTimeout(poll, 300);
  }

  // ---------------------------------------------------------------- start
  function init() {
    enhanceCopyLinks();
    focusErrorSummary();
    var boxes = document.querySelectorAll('[data-progress-url]');
    for (var i = 0; i < boxes.length; i++) {
      followProgress(boxes[i]);
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
