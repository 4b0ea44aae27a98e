// The smtpkit web inbox: plain DOM, no framework, no build step. Every value from a message is
// put on the page as text (textContent), never as markup; message HTML is shown only inside a
// sandboxed frame whose own Content-Security-Policy runs no script and loads nothing remote.
"use strict";

const PAGE = 200;
const state = {
  view: "messages",
  messages: [],
  total: 0,
  matched: 0,
  query: "",
  current: null,
  checked: new Set(),
  sessions: [],
  currentSession: null,
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c !== null && c !== undefined) e.append(c);
  }
  return e;
}

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const r = await fetch(path, init);
  const type = r.headers.get("Content-Type") || "";
  const data = type.startsWith("application/json") ? await r.json() : await r.text();
  if (!r.ok) throw new Error((data && data.Error) || r.status + " " + r.statusText);
  return data;
}

function address(a) {
  if (!a || !a.Address) return "";
  return a.Name ? a.Name + " <" + a.Address + ">" : a.Address;
}

function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString();
}

function size(n) {
  if (n < 1024) return n + " B";
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KiB";
  return (n / 1024 / 1024).toFixed(1) + " MiB";
}

// ---- messages ----

async function loadMessages() {
  const path = state.query
    ? "/api/v1/search?limit=" + PAGE + "&query=" + encodeURIComponent(state.query)
    : "/api/v1/messages?limit=" + PAGE;
  const page = await api("GET", path);
  state.messages = page.messages;
  state.total = page.total;
  state.matched = page.messages_count;
  renderMessages();
}

function renderMessages() {
  const list = $("message-list");
  list.replaceChildren();
  for (const m of state.messages) {
    const box = el("input", { type: "checkbox", "aria-label": "Select" });
    box.checked = state.checked.has(m.ID);
    box.addEventListener("click", (e) => {
      e.stopPropagation();
      toggleChecked(m.ID, box.checked);
    });
    const li = el("li", { role: "option", "data-id": m.ID, tabindex: "-1" },
      box,
      el("span", { class: "who", text: address(m.From) || m.Sender || "(no sender)" }),
      el("span", { class: "when", text: when(m.Created) + (m.Attachments ? " · " + m.Attachments + " attached" : "") }),
      el("span", { class: "subject", text: m.Subject || "(no subject)" }),
      el("span", { class: "snippet", text: m.Snippet }));
    if (state.current === m.ID) li.classList.add("current");
    li.addEventListener("click", () => openMessage(m.ID));
    list.append(li);
  }
  $("count").textContent = state.total ? "(" + state.total + ")" : "";
  $("list-info").textContent = state.query
    ? state.matched + " of " + state.total + " match"
    : state.total + (state.total === 1 ? " message" : " messages");
}

// A flood of mail is an event a message, thousands a second. Drawing the list for each took a
// core of the two the catcher shares with it (benchmarks/inbox/run.sh with BROWSER=1): now a
// message that comes alone is drawn at once, a flood at most every DRAW_EVERY_MS and not while the
// tab is hidden (requestAnimationFrame waits), and a search on screen is asked again one request at
// a time with a pause between, not once a message.
const DRAW_EVERY_MS = 250;
let drawPending = false;
let lastDraw = -DRAW_EVERY_MS;
function drawSoon() {
  if (drawPending) return;
  drawPending = true;
  setTimeout(() => requestAnimationFrame(() => {
    drawPending = false;
    lastDraw = performance.now();
    renderMessages();
  }), Math.max(0, lastDraw + DRAW_EVERY_MS - performance.now()));
}

const RELOAD_PAUSE_MS = 250;
let reloading = false;
let reloadAgain = false;
async function reloadSoon() {
  if (reloading) {
    reloadAgain = true;
    return;
  }
  reloading = true;
  try {
    do {
      reloadAgain = false;
      try {
        await loadMessages();
      } catch (e) {
        // The list stays as it was; the next event or search tries again.
      }
      if (reloadAgain) await new Promise((done) => setTimeout(done, RELOAD_PAUSE_MS));
    } while (reloadAgain);
  } finally {
    reloading = false;
  }
}

function toggleChecked(id, on) {
  if (on) state.checked.add(id);
  else state.checked.delete(id);
}

async function openMessage(id) {
  state.current = id;
  for (const li of $("message-list").children) {
    li.classList.toggle("current", li.dataset.id === id);
    if (li.dataset.id === id) li.scrollIntoView({ block: "nearest" });
  }
  const view = $("message");
  let m;
  try {
    m = await api("GET", "/api/v1/message/" + encodeURIComponent(id));
  } catch (e) {
    view.replaceChildren(el("p", { class: "muted empty", text: "Cannot open the message: " + e.message }));
    return;
  }
  if (state.current !== id) return;
  const rows = [
    ["From", address(m.From)],
    ["To", m.To.map(address).join(", ")],
    ["Cc", m.Cc.map(address).join(", ")],
    ["Subject", m.Subject],
    ["Received", when(m.Date)],
    ["Envelope", "MAIL FROM:<" + m.Sender + "> RCPT TO:" + m.Recipients.map((r) => "<" + r + ">").join(", ")],
    ["Size", size(m.Size)],
  ].filter((r) => r[1]);
  const fields = el("table", { class: "fields" });
  for (const [k, v] of rows) fields.append(el("tr", {}, el("th", { text: k }), el("td", { text: v })));

  const tabs = [];
  if (m.HTML) tabs.push(["HTML", () => htmlFrame(m, false)]);
  if (m.Text) tabs.push(["Text", () => el("pre", { class: "text", text: m.Text })]);
  tabs.push(["Headers", () => headersTable(m)]);
  tabs.push(["Raw", () => rawSource(m.ID)]);
  const body = el("div", { class: "body" });
  const bar = el("div", { class: "parts", role: "tablist" });
  const show = (i) => {
    for (const [j, b] of [...bar.children].entries()) b.setAttribute("aria-selected", String(i === j));
    Promise.resolve(tabs[i][1]()).then((content) => body.replaceChildren(content));
  };
  tabs.forEach(([name], i) => bar.append(el("button", { role: "tab", "data-tab": name, onclick: () => show(i) }, name)));

  const parts = el("div", { class: "files" });
  const files = [...m.Attachments.map((a) => [a, "attachment"]), ...m.Inline.map((a) => [a, "inline"])];
  if (files.length) {
    const ul = el("ul", { class: "attachments" });
    for (const [a, kind] of files) {
      const href = "/api/v1/message/" + encodeURIComponent(m.ID) + "/part/" + encodeURIComponent(a.PartID);
      ul.append(el("li", {},
        el("a", { href: href + "?download=1", download: a.FileName || "part-" + a.PartID, class: "download" },
          a.FileName || "part " + a.PartID),
        " ", el("span", { class: "muted", text: a.ContentType + ", " + size(a.Size) + (kind === "inline" ? ", inline" : "") }),
        " ", el("a", { href, target: "_blank", rel: "noopener noreferrer", text: "open" })));
    }
    parts.append(el("h3", { text: "Attachments" }), ul);
  }
  const del = el("button", { onclick: () => deleteIds([m.ID]), title: "Delete (Delete key)" }, "Delete");
  view.replaceChildren(fields, el("div", { class: "toolbar" }, del), bar, body, parts);
  show(0);
}

function htmlFrame(m, remote) {
  // sandbox="" : no scripts, no forms, no same-origin access; the frame's own CSP blocks remote loads too.
  const frame = el("iframe", {
    class: "html", sandbox: "", title: "HTML part", referrerpolicy: "no-referrer",
    src: "/view/" + encodeURIComponent(m.ID) + ".html" + (remote ? "?remote=1" : ""),
  });
  const toggle = el("button", {
    onclick: () => frame.parentNode.replaceWith(htmlFrame(m, !remote)),
  }, remote ? "Block remote content" : "Load remote content");
  return el("div", {}, el("div", { class: "toolbar" }, toggle,
    el("span", { class: "muted", text: remote ? "Remote images and styles are loaded." : "Scripts never run; remote content is blocked." })), frame);
}

function headersTable(m) {
  const t = el("table", { class: "fields" });
  for (const h of m.DecodedHeaders) t.append(el("tr", {}, el("th", { text: h.Name }), el("td", { text: h.Decoded })));
  return t;
}

async function rawSource(id) {
  const text = await api("GET", "/api/v1/message/" + encodeURIComponent(id) + "/raw");
  return el("div", {},
    el("div", { class: "toolbar" }, el("a", { href: "/api/v1/message/" + encodeURIComponent(id) + "/raw", target: "_blank", rel: "noopener", text: "Open raw" })),
    el("pre", { class: "raw", text }));
}

async function deleteIds(ids) {
  if (!ids.length) return;
  await api("DELETE", "/api/v1/messages", { IDs: ids });
  for (const id of ids) state.checked.delete(id);
  if (ids.includes(state.current)) closeMessage();
  await loadMessages();
}

function closeMessage() {
  state.current = null;
  $("message").replaceChildren(el("p", { class: "muted empty", text: "No message selected." }));
}

async function deleteAll() {
  if (!confirm("Delete all " + state.total + " messages?")) return;
  await api("DELETE", "/api/v1/messages");
  state.checked.clear();
  closeMessage();
  await loadMessages();
}

function deleteSelected() {
  const ids = state.checked.size ? [...state.checked] : state.current ? [state.current] : [];
  return deleteIds(ids);
}

// ---- sessions ----

async function loadSessions() {
  const page = await api("GET", "/api/v1/sessions?limit=" + PAGE);
  state.sessions = page.sessions;
  const list = $("session-list");
  list.replaceChildren();
  for (const s of page.sessions) {
    const li = el("li", { role: "option", "data-id": s.ID, tabindex: "-1" },
      el("span", { class: "badge " + s.Outcome, text: s.Outcome.replace("_", " ").toLowerCase() }),
      el("span", { class: "who", text: s.Client + (s.Helo ? " (" + s.Helo + ")" : "") }),
      el("span", { class: "when", text: when(s.Started) }),
      el("span", { class: "snippet", text: s.Reason }));
    if (state.currentSession === s.ID) li.classList.add("current");
    li.addEventListener("click", () => openSession(s.ID));
    list.append(li);
  }
  $("session-info").textContent = page.total + (page.total === 1 ? " session" : " sessions");
}

async function openSession(id) {
  state.currentSession = id;
  for (const li of $("session-list").children) li.classList.toggle("current", li.dataset.id === id);
  const s = await api("GET", "/api/v1/session/" + encodeURIComponent(id));
  const fields = el("table", { class: "fields" });
  for (const [k, v] of [["Session", s.ID], ["Client", s.Client], ["HELO", s.Helo], ["TLS", s.TLS ? "yes" : "no"],
    ["AUTH", s.Authenticated], ["Started", when(s.Started)], ["Ended", s.Ended ? when(s.Ended) : "still open"],
    ["Outcome", s.Outcome + (s.Reason ? ": " + s.Reason : "")]]) {
    if (v) fields.append(el("tr", {}, el("th", { text: k }), el("td", { text: v })));
  }
  const tx = el("table", { class: "fields envelope" });
  tx.append(el("tr", {}, el("th", { text: "MAIL FROM" }), el("th", { text: "RCPT TO" }), el("th", { text: "Result" })));
  for (const t of s.Transactions) {
    const result = el("td", {});
    if (t.MessageID) {
      result.append(el("a", { href: "#", onclick: (e) => { e.preventDefault(); switchView("messages"); openMessage(t.MessageID); }, text: t.Result }));
    } else {
      result.textContent = t.Result;
    }
    tx.append(el("tr", {}, el("td", { text: "<" + t.Sender + ">" }), el("td", { text: t.Recipients.map((r) => "<" + r + ">").join(", ") }), result));
  }
  if (s.TransactionsOmitted) {
    tx.append(el("tr", {}, el("td", { class: "muted", colspan: "3", text: s.TransactionsOmitted + " more transactions not kept" })));
  }
  const transcript = el("pre", { class: "transcript" });
  for (const line of s.Transcript) {
    const cls = line.From === "*" ? "note" : line.From;
    transcript.append(el("span", { class: cls, text: (line.From === "*" ? "-- " : line.From + ": ") + line.Text + "\n" }));
    // What `smtpkit explain` finds, under the line it is about.
    for (const f of line.Findings || []) {
      transcript.append(el("span", { class: "finding " + f.Severity,
        text: "   >> " + f.Severity + " " + f.ID + ": " + f.Message + " (" + f.Reference + ")\n" }));
    }
  }
  if (s.LinesOmitted) transcript.append(el("span", { class: "note", text: "-- " + s.LinesOmitted + " more lines not kept\n" }));
  $("session").replaceChildren(fields,
    el("h3", { text: "Envelope" }), s.Transactions.length ? tx : el("p", { class: "muted", text: "No transaction." }),
    el("h3", { text: "Transcript" }), transcript);
}

// ---- faults ----

async function loadFaults() {
  const f = await api("GET", "/api/v1/faults");
  showFaults(f.rules);
  showStages(f.stages || []);
  if (f.changeable === false) {
    for (const id of ["fault-rules", "save-faults", "clear-faults"]) $(id).disabled = true;
    $("fault-status").textContent = "This inbox shows a MailSink: its faults are the sink's FaultPlan.";
  }
}

function showStages(stages) {
  const body = $("fault-stages").tBodies[0];
  body.replaceChildren(...stages.map((s) =>
    el("tr", {}, el("td", {}, el("code", { text: s.stage })), el("td", { text: s.where }), el("td", { text: s.actions.join(", ") }))));
}

function showFaults(rules) {
  $("fault-rules").value = rules.join("\n");
  $("fault-count").textContent = rules.length ? "(" + rules.length + ")" : "";
}

async function saveFaults(rules) {
  const status = $("fault-status");
  try {
    const f = await api("PUT", "/api/v1/faults", { rules });
    showFaults(f.rules);
    status.className = "ok";
    status.textContent = f.rules.length ? "Saved: " + f.rules.length + " rule(s) in force." : "No faults.";
  } catch (e) {
    status.className = "error";
    status.textContent = e.message;
  }
}

// ---- views, keys, live updates ----

function switchView(view) {
  state.view = view;
  for (const v of ["messages", "sessions", "faults"]) {
    $(v + "-view").hidden = v !== view;
    $("tab-" + v).setAttribute("aria-pressed", String(v === view));
  }
  if (view === "sessions") loadSessions();
  if (view === "faults") loadFaults();
  watchSessions(view === "sessions");
}

function move(listId, delta, open) {
  const items = [...$(listId).children];
  if (!items.length) return;
  let i = items.findIndex((li) => li.classList.contains("current"));
  i = Math.max(0, Math.min(items.length - 1, i < 0 ? 0 : i + delta));
  open(items[i].dataset.id);
}

function onKey(e) {
  const typing = e.target instanceof HTMLInputElement && e.target.type !== "checkbox" || e.target instanceof HTMLTextAreaElement;
  if (typing) {
    if (e.key === "Escape") e.target.blur();
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const list = state.view === "sessions" ? ["session-list", openSession] : ["message-list", openMessage];
  switch (e.key) {
    case "j": case "ArrowDown": move(list[0], 1, list[1]); break;
    case "k": case "ArrowUp": move(list[0], -1, list[1]); break;
    case "Enter": if (state.view === "messages" && state.current) openMessage(state.current); else return; break;
    case "/": $("search").focus(); break;
    case "Escape":
      if (state.query) { $("search").value = ""; state.query = ""; loadMessages(); } else closeMessage();
      break;
    case "Delete": case "#": if (state.view === "messages") deleteSelected(); break;
    case "x":
      if (state.current) {
        toggleChecked(state.current, !state.checked.has(state.current));
        renderMessages();
      }
      break;
    case "m": switchView("messages"); break;
    case "s": switchView("sessions"); break;
    case "f": switchView("faults"); break;
    default: return;
  }
  e.preventDefault();
}

let sessionRefresh = null;
let sessionSource = null;

// The sessions' events come on a stream of their own, open only while the sessions view is: a
// session per message is two of them a message, which the messages view has no use for.
function watchSessions(on) {
  if (on && !sessionSource) {
    sessionSource = new EventSource("/api/v1/events?types=session");
    // After a reconnect events may have been missed.
    sessionSource.addEventListener("open", () => loadSessions());
    sessionSource.addEventListener("session", () => {
      if (sessionRefresh) return;
      sessionRefresh = setTimeout(() => { sessionRefresh = null; loadSessions(); }, 250);
    });
  } else if (!on && sessionSource) {
    sessionSource.close();
    sessionSource = null;
  }
}

function live() {
  const source = new EventSource("/api/v1/events?types=stored,deleted,faults");
  const badge = $("live");
  source.addEventListener("open", () => {
    badge.textContent = "live";
    badge.className = "live on";
    // After a reconnect events may have been missed: reload what is shown.
    loadMessages();
  });
  source.addEventListener("error", () => {
    badge.textContent = "offline";
    badge.className = "live off";
  });
  source.addEventListener("stored", (e) => {
    const m = JSON.parse(e.data);
    if (state.query) {
      reloadSoon();
      return;
    }
    state.messages.unshift(m);
    if (state.messages.length > PAGE) state.messages.pop();
    state.total++;
    state.matched++;
    drawSoon();
  });
  source.addEventListener("deleted", (e) => {
    const ids = new Set(JSON.parse(e.data));
    const before = state.messages.length;
    state.messages = state.messages.filter((m) => !ids.has(m.ID));
    state.total = Math.max(0, state.total - ids.size);
    state.matched = Math.max(0, state.matched - (before - state.messages.length));
    if (ids.has(state.current)) closeMessage();
    drawSoon();
  });
  source.addEventListener("faults", (e) => showFaults(JSON.parse(e.data).rules));
}

function init() {
  $("tab-messages").addEventListener("click", () => switchView("messages"));
  $("tab-sessions").addEventListener("click", () => switchView("sessions"));
  $("tab-faults").addEventListener("click", () => switchView("faults"));
  $("search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    state.query = $("search").value.trim();
    loadMessages();
  });
  $("search").addEventListener("search", () => {
    state.query = $("search").value.trim();
    loadMessages();
  });
  $("delete-selected").addEventListener("click", deleteSelected);
  $("delete-all").addEventListener("click", deleteAll);
  $("save-faults").addEventListener("click", () =>
    saveFaults($("fault-rules").value.split("\n").map((l) => l.trim()).filter((l) => l)));
  $("clear-faults").addEventListener("click", () => saveFaults([]));
  $("message").append($("keys-help").content.cloneNode(true));
  document.addEventListener("keydown", onKey);
  loadMessages();
  loadFaults();
  live();
}

init();
