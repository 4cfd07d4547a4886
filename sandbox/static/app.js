// Doorstep sandbox page: chat columns fed by server-sent events; every action is a POST to /api/*.
// Only `html` of a message (built on the server from the Bot API's entities, every text escaped) is
// inserted as markup; everything else goes in as text.
"use strict";

const UI = {
  en: { sandbox: "sandbox", bot_time: "Bot time", plus15: "+15 min", plus1h: "+1 h", morning: "next morning 09:00",
        reset: "Reset", residents: "Residents", staff: "Staff", groups: "Staff groups", tour: "Tour", add: "Add",
        name: "Name", invite: "Open invite link", start: "START", message: "Message", as: "writing as",
        confirm_reset: "Start over? All chats and the database are wiped.", empty: "No messages yet.",
        members: "members", private: "private chat with the bot", typing: "Doorstep is typing…",
        record: "Recording… press 🎤 again to send", coordinator: "coordinator", worker: "social worker",
        resident: "resident" },
  zh: { sandbox: "沙盒", bot_time: "机器人时间", plus15: "+15 分钟", plus1h: "+1 小时", morning: "次日早上 09:00",
        reset: "重置", residents: "居民", staff: "工作人员", groups: "社工站群", tour: "导览", add: "添加",
        name: "姓名", invite: "打开邀请链接", start: "开始", message: "消息", as: "发言身份",
        confirm_reset: "重新开始？所有聊天和数据库都会被清空。", empty: "还没有消息。", members: "成员",
        private: "与机器人的私聊", typing: "Doorstep 正在输入…", record: "正在录音…再按 🎤 发送",
        coordinator: "协调员", worker: "社工", resident: "居民" },
  ru: { sandbox: "песочница", bot_time: "Время бота", plus15: "+15 мин", plus1h: "+1 ч", morning: "утро, 09:00",
        reset: "Сброс", residents: "Жители", staff: "Сотрудники", groups: "Группы станций", tour: "Тур",
        add: "Добавить", name: "Имя", invite: "Открыть приглашение", start: "СТАРТ", message: "Сообщение",
        as: "пишет", confirm_reset: "Начать заново? Все чаты и база данных будут стёрты.", empty: "Сообщений пока нет.",
        members: "участники", private: "личный чат с ботом", typing: "Doorstep печатает…",
        record: "Запись… нажмите 🎤 ещё раз, чтобы отправить", coordinator: "координатор", worker: "соцработник",
        resident: "житель" },
  uk: { sandbox: "пісочниця", bot_time: "Час бота", plus15: "+15 хв", plus1h: "+1 год", morning: "ранок, 09:00",
        reset: "Скинути", residents: "Мешканці", staff: "Працівники", groups: "Групи станцій", tour: "Тур",
        add: "Додати", name: "Ім'я", invite: "Відкрити запрошення", start: "СТАРТ", message: "Повідомлення",
        as: "пише", confirm_reset: "Почати знову? Усі чати й база даних будуть стерті.", empty: "Повідомлень ще немає.",
        members: "учасники", private: "особистий чат з ботом", typing: "Doorstep друкує…",
        record: "Запис… натисніть 🎤 ще раз, щоб надіслати", coordinator: "координатор", worker: "соцпрацівник",
        resident: "мешканець" },
};

const state = {
  world: null,
  views: new Map(),        // chat id -> view from the server
  columns: [],             // open chat ids, left to right
  speakers: {},            // group chat id -> person id writing there
  lang: localStorage.getItem("sandbox.lang") || "zh",
  busy: new Map(),         // chat id -> actions in flight
};
const $ = (sel, root = document) => root.querySelector(sel);
const t = (key) => (UI[state.lang] || UI.en)[key] || UI.en[key] || key;
const COLORS = ["#e17076", "#7bc862", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

async function api(path, body, form) {
  const options = { method: body || form ? "POST" : "GET", headers: { "X-Sandbox": "1" } };
  if (form) options.body = form;
  else if (body) { options.body = JSON.stringify(body); options.headers["Content-Type"] = "application/json"; }
  const response = await fetch(path, options);
  let data = {};
  try { data = await response.json(); } catch (e) { /* not JSON */ }
  if (!response.ok) throw new Error(data.error || `${response.status} ${response.statusText}`);
  return data;
}

function toast(text, error = false, chatId = null) {
  const node = el("div", { class: "toast" + (error ? " error" : ""), text, role: "status" });
  const box = chatId != null && column(chatId) ? $(".col-toasts", column(chatId)) : $("#toasts");
  box.append(node);
  setTimeout(() => node.remove(), error ? 6000 : 3500);
}

function alertBox(text) {
  $("#alert-text").textContent = text;
  $("#alert").classList.remove("hidden");
}

// ---------------------------------------------------------------- world and sidebar

function person(id) { return state.world.people.find((p) => p.id === id); }
function group(id) { return state.world.groups.find((g) => g.id === id); }
function initials(name) { return [...(name || "?")][0]; }
function color(id) { return COLORS[Math.abs(Number(id)) % COLORS.length]; }

async function loadWorld() {
  state.world = await api("/api/world");
  const saved = JSON.parse(localStorage.getItem("sandbox.columns.v1") || "null");
  const known = new Set([...state.world.people.map((p) => p.id), ...state.world.groups.map((g) => g.id)]);
  const defaults = [1001, state.world.groups[0].id, 5001].filter((id) => known.has(id));
  state.columns = (saved || defaults).filter((id) => known.has(id));
  renderSide();
  renderClock(state.world.clock);
  renderTour(state.world.tour_done);
  $("#columns").replaceChildren();
  for (const id of state.columns) addColumn(id);
  await Promise.all(state.columns.map(async (id) => { state.views.set(id, await api(`/api/chat/${id}`)); renderChat(id); }));
}

function saveColumns() { localStorage.setItem("sandbox.columns.v1", JSON.stringify(state.columns)); }

function renderSide() {
  const lists = { residents: $("#residents"), staff: $("#staff"), groups: $("#groups") };
  Object.values(lists).forEach((list) => list.replaceChildren());
  for (const p of state.world.people) {
    const who = el("div", { class: "who", onclick: () => openColumn(p.id) },
      el("strong", { text: p.name }), el("small", { text: p.note || t(p.role) }));
    const item = el("li", { class: state.columns.includes(p.id) ? "open" : "", "data-person": p.id },
      el("div", { class: "avatar", style: `background:${color(p.id)}`, text: initials(p.name) }), who);
    if (p.role === "resident" && p.invite) {
      item.append(el("button", { class: "invite", title: p.invite_link || "", text: "🔗",
        onclick: () => openInvite(p) }));
    }
    (p.role === "resident" ? lists.residents : lists.staff).append(item);
  }
  for (const g of state.world.groups) {
    const names = g.members.map((id) => person(id)?.name).filter(Boolean).join(", ");
    lists.groups.append(el("li", { class: state.columns.includes(g.id) ? "open" : "", "data-group": g.id },
      el("div", { class: "avatar", style: `background:${color(g.id)}`, text: "👥" }),
      el("div", { class: "who", onclick: () => openColumn(g.id) }, el("strong", { text: g.title }),
        el("small", { text: names }))));
  }
  document.querySelectorAll("[data-t]").forEach((node) => { node.textContent = t(node.dataset.t); });
  document.querySelectorAll("[data-tp]").forEach((node) => { node.placeholder = t(node.dataset.tp); });
  document.querySelectorAll(".composer .text").forEach((node) => { node.placeholder = t("message"); });
  renderTour(state.world.tour_done);
}

function renderClock(clock) {
  state.clock = clock;
  // the weekday in the page's language (the server's is English), of the bot's calendar date
  const [year, month, day] = clock.time.slice(0, 10).split("-").map(Number);
  const weekday = new Intl.DateTimeFormat(state.lang === "zh" ? "zh-CN" : state.lang, { weekday: "short", timeZone: "UTC" })
    .format(new Date(Date.UTC(year, month - 1, day, 12)));
  $("#clock-time").textContent = `${weekday} ${clock.time}`;
  $("#clock-zone").textContent = clock.timezone;
}

function renderTour(done) {
  state.world.tour_done = done || [];
  $("#tour").replaceChildren(...state.world.tour.map((step) => el("li", {
    class: state.world.tour_done.includes(step.key) ? "done" : "", "data-step": step.key,
    text: step.text[state.lang] || step.text.zh,
  })));
}

// ---------------------------------------------------------------- columns

function openColumn(id) {
  if (!state.columns.includes(id)) {
    state.columns.push(id);
    saveColumns();
    addColumn(id);
    api(`/api/chat/${id}`).then((view) => { state.views.set(id, view); renderChat(id); });
    renderSide();
  }
  column(id)?.scrollIntoView({ behavior: "smooth", inline: "nearest" });
}

function closeColumn(id) {
  state.columns = state.columns.filter((c) => c !== id);
  saveColumns();
  column(id)?.remove();
  renderSide();
}

function column(id) { return document.querySelector(`.column[data-chat="${id}"]`); }

function speakerOf(id) {
  if (id > 0) return id;
  const members = group(id)?.members || [];
  if (!members.includes(state.speakers[id])) state.speakers[id] = members.find((m) => person(m)?.role === "worker") || members[0];
  return state.speakers[id];
}

// the column's words in the page's language (again when the language changes)
function labelColumn(node, id) {
  const g = group(id), p = person(id);
  $(".sub", node).textContent = g ? `${t("members")}: ${g.members.length}` : `${t(p.role)} · ${t("private")}`;
  $(".as", node)?.setAttribute("title", t("as"));
}

function addColumn(id) {
  const node = $("#column-template").content.firstElementChild.cloneNode(true);
  node.dataset.chat = id;
  const g = group(id), p = person(id);
  $(".name", node).textContent = g ? g.title : p.name;
  labelColumn(node, id);
  const avatar = $(".avatar", node);
  avatar.textContent = g ? "👥" : initials(p.name);
  avatar.style.background = color(id);
  const as = $(".as", node);
  if (g) {
    for (const member of g.members) as.append(el("option", { value: member, text: person(member)?.name || member }));
    as.value = speakerOf(id);
    as.addEventListener("change", () => { state.speakers[id] = Number(as.value); renderChat(id); });
  } else as.remove();
  $(".close", node).addEventListener("click", () => closeColumn(id));
  const text = $(".text", node);
  text.placeholder = t("message");
  $(".composer", node).addEventListener("submit", (event) => {
    event.preventDefault();
    const value = text.value.trim();
    if (!value) return;
    text.value = "";
    // refused (too long, the sandbox restarting): give the text back rather than lose what was typed
    act(id, "/api/send", { text: value }).then((result) => { if (!result && !text.value) text.value = value; });
  });
  const photo = $(".photo-file", node);
  $(".attach", node).addEventListener("click", () => photo.click());
  photo.addEventListener("change", () => {
    if (!photo.files.length) return;
    const form = new FormData();
    form.append("chat", id); form.append("as", speakerOf(id));
    if (text.value.trim()) { form.append("caption", text.value.trim()); text.value = ""; }
    form.append("file", photo.files[0]);
    photo.value = "";
    act(id, "/api/photo", null, form);
  });
  const voiceFile = $(".voice-file", node);
  voiceFile.addEventListener("change", () => {
    if (!voiceFile.files.length) return;
    const file = voiceFile.files[0];
    voiceFile.value = "";
    sendVoice(id, file, file.type || "audio/ogg", 0);
  });
  $(".mic", node).addEventListener("click", (event) => record(id, event.currentTarget, voiceFile));
  $("#columns").append(node);
}

function sendVoice(id, blob, mime, seconds) {
  const form = new FormData();
  form.append("chat", id); form.append("as", speakerOf(id));
  form.append("duration", Math.max(1, Math.round(seconds))); form.append("mime", mime);
  form.append("file", blob, "voice");
  act(id, "/api/voice", null, form);
}

let recorder = null;
async function record(id, button, fallback) {
  if (recorder) { recorder.stop(); return; }
  if (!navigator.mediaDevices?.getUserMedia || !window.MediaRecorder) { fallback.click(); return; }
  let stream;
  try { stream = await navigator.mediaDevices.getUserMedia({ audio: true }); } catch (e) { fallback.click(); return; }
  const chunks = [], started = Date.now();
  recorder = new MediaRecorder(stream);
  recorder.ondataavailable = (event) => chunks.push(event.data);
  recorder.onstop = () => {
    stream.getTracks().forEach((track) => track.stop());
    button.classList.remove("recording");
    const mime = recorder.mimeType || "audio/webm";
    recorder = null;
    sendVoice(id, new Blob(chunks, { type: mime }), mime, (Date.now() - started) / 1000);
  };
  recorder.start();
  button.classList.add("recording");
  toast(t("record"));
}

async function act(id, path, body, form) {
  state.busy.set(id, (state.busy.get(id) || 0) + 1);
  renderChat(id);
  try {
    if (form) return await api(path, null, form);
    return await api(path, { chat: id, as: speakerOf(id), ...body });
  } catch (error) {
    toast(error.message, true, id);
    return null;
  } finally {
    state.busy.set(id, state.busy.get(id) - 1);
    renderChat(id);
  }
}

async function pressButton(id, message, button) {
  if (button.url) {
    const match = /^https:\/\/t\.me\/[\w]+\?start=([\w-]+)$/.exec(button.url);
    const owner = state.world.people.find((p) => match && p.invite === match[1]);
    if (owner) openInvite(owner); else window.open(button.url, "_blank", "noopener");
    return;
  }
  const result = await act(id, "/api/press", { message: message.id, data: button.data });
  const answer = result && result.answer;
  if (answer && answer.text) { if (answer.show_alert) alertBox(answer.text); else toast(answer.text, false, id); }
}

async function openInvite(p) {
  openColumn(p.id);
  await act(p.id, "/api/invite", {});
}

function renderMessage(id, message, me) {
  const out = message.out && (id > 0 || message.sender_id === me);
  const bubble = el("div", { class: "bubble" });
  if (id < 0 && !out) bubble.append(el("span", { class: "sender", text: message.sender }));
  if (message.topic != null) bubble.append(el("span", { class: "topic", text: `# ${message.topic}` }));
  if (message.photo) bubble.append(el("img", { src: message.photo, alt: "photo", loading: "lazy" }));
  if (message.voice) bubble.append(el("audio", { src: message.voice, controls: "", preload: "none" }));
  if (message.contact) {
    bubble.append(el("div", { class: "contact" }, el("span", { text: "👤" }),
      el("div", {}, el("strong", { text: message.contact.name }), el("br"), el("span", { text: message.contact.phone }))));
  }
  const meta = el("span", { class: "meta", text: (message.edited ? "✎ " : "") + message.time });
  const body = el("span", { class: "text" });
  body.innerHTML = message.html; // built from entities on the server, every text escaped
  body.querySelectorAll(".spoiler").forEach((s) => s.addEventListener("click", () => s.classList.add("shown")));
  bubble.append(body, meta);
  const node = el("div", { class: "msg" + (out ? " out" : ""), "data-id": message.id }, bubble);
  if (message.buttons.length) {
    const kb = el("div", { class: "inline-kb" });
    for (const row of message.buttons) {
      kb.append(el("div", { class: "row" }, ...row.map((button) => el("button", {
        type: "button", text: button.text + (button.url ? " ↗" : ""), title: button.text,
        onclick: () => pressButton(id, message, button),
      }))));
    }
    node.append(kb);
  }
  return node;
}

function renderChat(id) {
  const node = column(id);
  const view = state.views.get(id);
  if (!node || !view) return;
  const list = $(".messages", node);
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const me = speakerOf(id);
  const items = view.messages.map((message) => renderMessage(id, message, me));
  if (!items.length) items.push(el("div", { class: "empty", text: t("empty") }));
  if (state.busy.get(id)) items.push(el("div", { class: "typing", text: t("typing") }));
  list.replaceChildren(...items);
  const keyboard = $(".reply-keyboard", node);
  keyboard.replaceChildren(...(view.keyboard || []).map((row) => el("div", { class: "row" }, ...row.map((button) =>
    el("button", { type: "button", text: (button.contact ? "📱 " : "") + button.text, onclick: () => {
      if (button.contact) act(id, "/api/contact", {});
      else act(id, "/api/send", { text: button.text });
    } })))));
  const start = $(".start", node);
  const p = person(id);
  const fresh = p && p.role === "resident" && !view.messages.length;
  start.classList.toggle("hidden", !fresh);
  if (fresh) {
    const buttons = [el("button", { type: "button", text: t("start"), onclick: () => act(id, "/api/send", { text: "/start" }) })];
    if (p.invite) buttons.unshift(el("button", { type: "button", text: "🔗 " + t("invite"), title: p.invite_link,
      onclick: () => openInvite(p) }));
    start.replaceChildren(...buttons);
  }
  // last, once the keyboard and the start buttons have taken their room
  if (atBottom || list.dataset.seen !== String(view.messages.length)) list.scrollTop = list.scrollHeight;
  list.dataset.seen = String(view.messages.length);
  list.querySelectorAll("img").forEach((img) => img.addEventListener("load", () => {
    if (list.dataset.seen === String(view.messages.length)) list.scrollTop = list.scrollHeight;
  }, { once: true }));
}

// ---------------------------------------------------------------- events

function listen() {
  const source = new EventSource("/api/events");
  source.addEventListener("chat", (event) => {
    const view = JSON.parse(event.data);
    state.views.set(view.id, view);
    renderChat(view.id);
  });
  source.addEventListener("clock", (event) => renderClock(JSON.parse(event.data)));
  source.addEventListener("tour", (event) => renderTour(JSON.parse(event.data)));
  source.addEventListener("world", () => loadWorld().catch((error) => toast(error.message, true)));
  source.addEventListener("hello", () => { document.body.dataset.live = "1"; });
}

document.addEventListener("DOMContentLoaded", async () => {
  $("#ui-lang").value = state.lang;
  document.documentElement.lang = state.lang;
  $("#ui-lang").addEventListener("change", (event) => {
    state.lang = event.target.value;
    localStorage.setItem("sandbox.lang", state.lang);
    document.documentElement.lang = state.lang;
    renderSide();
    if (state.clock) renderClock(state.clock);
    state.columns.forEach((id) => { if (column(id)) labelColumn(column(id), id); renderChat(id); });
  });
  document.querySelectorAll("#clock button").forEach((button) => button.addEventListener("click", async () => {
    button.disabled = true;
    try { renderClock((await api("/api/clock", { step: button.dataset.step })).clock); }
    catch (error) { toast(error.message, true); }
    finally { button.disabled = false; }
  }));
  $("#reset").addEventListener("click", async () => {
    if (!confirm(t("confirm_reset"))) return;
    $("#reset").disabled = true;
    try { await api("/api/reset", {}); await loadWorld(); } catch (error) { toast(error.message, true); }
    finally { $("#reset").disabled = false; }
  });
  $("#alert-ok").addEventListener("click", () => $("#alert").classList.add("hidden"));
  $("#add-person").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    try {
      const { person: added } = await api("/api/people", { name: form.name.value, language: form.language.value });
      form.reset();
      state.world = await api("/api/world");
      renderSide();
      openColumn(added.id);
    } catch (error) { toast(error.message, true); }
  });
  listen();
  try { await loadWorld(); } catch (error) { toast(error.message, true); }
});
