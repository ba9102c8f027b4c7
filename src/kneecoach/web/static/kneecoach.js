// kneecoach's pages: upload with progress, live analysis progress, and the report's player.
// Plain JavaScript, shipped in the package: nothing is loaded from anywhere else.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf"]').content;

// ---------------------------------------------------------------- new analysis: upload
function sendOne(file, test, person, onProgress) {
  return new Promise((resolve, reject) => {
    const body = new FormData();
    body.append("file", file);
    body.append("test", test);
    if (person) body.append("person", person);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/analyses");
    xhr.setRequestHeader("X-CSRF-Token", csrf());
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      let answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 202) resolve(answer);
      else reject(new Error(answer.error || `the server answered ${xhr.status}`));
    };
    xhr.onerror = () => reject(new Error("the server could not be reached"));
    xhr.send(body);
  });
}

function setUpUpload(form) {
  const status = document.getElementById("upload-status");
  const maxBytes = Number(form.dataset.maxMb) * 1024 * 1024;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const files = Array.from(form.elements.file.files);
    const big = files.filter((f) => f.size > maxBytes);
    if (big.length) {
      status.textContent = `Too large (over ${form.dataset.maxMb} MB): ${big.map((f) => f.name).join(", ")}`;
      status.className = "error";
      return;
    }
    form.querySelector("button[type=submit]").disabled = true;
    const failed = [];
    for (const [i, file] of files.entries()) {
      try {
        await sendOne(file, form.elements.test.value, form.elements.person.value, (share) => {
          status.textContent = `Sending ${file.name} (${i + 1} of ${files.length}): ${Math.round(100 * share)}%`;
        });
      } catch (err) {
        failed.push(`${file.name}: ${err.message}`);
      }
    }
    if (failed.length) {
      status.className = "error";
      status.textContent = `Not sent: ${failed.join("; ")}`;
      form.querySelector("button[type=submit]").disabled = false;
      if (failed.length < files.length) window.setTimeout(() => { window.location = "/analyses"; }, 4000);
      return;
    }
    window.location = "/analyses";
  });
}

// ---------------------------------------------------------------- analyses: live progress
function setUpJobs(table) {
  const rows = () => Array.from(table.querySelectorAll("tr[data-job]"));
  const busy = () => rows().some((r) => !["done", "failed"].includes(r.dataset.status));
  async function poll() {
    for (const row of rows()) {
      if (["done", "failed"].includes(row.dataset.status)) continue;
      const answer = await fetch(`/api/jobs/${row.dataset.job}`).then((r) => r.json()).catch(() => null);
      if (!answer || answer.error) continue;
      row.dataset.status = answer.status;
      row.querySelector(".stage").textContent = answer.stage || answer.status;
      const bar = row.querySelector("progress");
      if (answer.percent === null) bar.removeAttribute("value"); else bar.value = answer.percent;
      row.querySelector(".message").textContent = answer.message || "";
      if (answer.analysis && !row.querySelector(".result a")) {
        const link = document.createElement("a");
        link.href = `/analyses/${answer.analysis}`;
        link.textContent = "report";
        row.querySelector(".result").prepend(link);
      }
      if (answer.status === "done" || answer.status === "failed") {
        row.querySelector(".stage").textContent = answer.status;
        bar.value = answer.status === "done" ? 100 : 0;
      }
    }
    if (busy()) window.setTimeout(poll, 1000);
  }
  if (busy()) poll();
}

// ---------------------------------------------------------------- the report's player
const COLOURS = { left: "#1f77b4", right: "#ff7f0e" };

function nearestFrame(times, t) {
  let lo = 0, hi = times.length - 1;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < t) lo = mid + 1; else hi = mid;
  }
  if (lo > 0 && Math.abs(times[lo - 1] - t) <= Math.abs(times[lo] - t)) lo -= 1;
  return lo;
}

const TRUNK = "rgba(255,255,255,.8)";

// Each leg's hip–knee–ankle line and the knee over its foot (science.md §1.5): the foot from
// midfoot to toe as a bar, a dashed line straight down from the knee. `at(name)` gives a
// keypoint's [x, y] in source pixels or nothing; `style` the colours per side and the width.
function drawLegs(ctx, at, scale, style) {
  const line = (a, b, colour, width, dash) => {
    if (!a || !b) return 0;
    ctx.strokeStyle = colour; ctx.lineWidth = width; ctx.setLineDash(dash || []);
    ctx.beginPath(); ctx.moveTo(a[0] * scale, a[1] * scale); ctx.lineTo(b[0] * scale, b[1] * scale); ctx.stroke();
    return 1;
  };
  let drawn = line(at("left_hip"), at("right_hip"), TRUNK, 2);
  if (style.trunk) drawn += line(at("left_shoulder"), at("right_shoulder"), TRUNK, 2);
  for (const side of ["left", "right"]) {
    const c = style.leg(side);
    if (style.trunk) drawn += line(at(`${side}_shoulder`), at(`${side}_hip`), TRUNK, 2);
    drawn += line(at(`${side}_hip`), at(`${side}_knee`), c, style.width);
    drawn += line(at(`${side}_knee`), at(`${side}_ankle`), c, style.width);
    const knee = at(`${side}_knee`), ankle = at(`${side}_ankle`), toe = at(`${side}_foot_index`);
    if (knee && ankle && toe) {
      const mid = [(ankle[0] + toe[0]) / 2, (ankle[1] + toe[1]) / 2];
      drawn += line(mid, toe, style.foot(side), 6);
      drawn += line(knee, [knee[0], Math.max(mid[1], toe[1])], style.plumb(side), 2, [6, 5]);
    }
  }
  return drawn;
}

function drawFrame(ctx, track, frame, scale) {
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  if (frame < 0) return 0;
  const at = (name) => (track.points[name] ? track.points[name][frame] : null);
  const side = (s) => COLOURS[s];
  return drawLegs(ctx, at, scale, { trunk: true, width: 4, leg: side, foot: side, plumb: () => "#fff" });
}

async function setUpPlayer(section) {
  const video = document.getElementById("clip");
  const canvas = document.getElementById("overlay");
  const clock = document.getElementById("clock");
  const marks = JSON.parse(section.dataset.marks);
  const track = await fetch(`/api/analyses/${section.dataset.analysis}/track.json`).then((r) => r.json());
  const ctx = canvas.getContext("2d");
  const step = 1 / (track.fps || 30);

  function render() {
    const width = video.videoWidth || track.width || 640;
    const height = video.videoHeight || track.height || 480;
    const scale = video.clientWidth / width || 1;
    canvas.width = video.clientWidth;
    canvas.height = Math.round(height * scale);
    const frame = nearestFrame(track.time_s, video.currentTime);
    const drawn = drawFrame(ctx, track, frame, scale);
    canvas.dataset.frame = String(frame);
    canvas.dataset.time = frame >= 0 ? String(track.time_s[frame]) : "";
    canvas.dataset.lines = String(drawn);
    clock.textContent = `${video.currentTime.toFixed(2)} s · frame ${frame + 1} of ${track.time_s.length}`;
  }
  function loop() {
    render();
    if (!video.paused && !video.ended) window.requestAnimationFrame(loop);
  }
  video.addEventListener("play", () => { document.getElementById("play").textContent = "Pause"; loop(); });
  video.addEventListener("pause", () => { document.getElementById("play").textContent = "Play"; render(); });
  video.addEventListener("seeked", render);
  video.addEventListener("loadeddata", render);
  window.addEventListener("resize", render);

  document.getElementById("play").addEventListener("click", () => (video.paused ? video.play() : video.pause()));
  document.getElementById("back").addEventListener("click", () => { video.pause(); video.currentTime = Math.max(0, video.currentTime - step); });
  document.getElementById("forward").addEventListener("click", () => { video.pause(); video.currentTime = Math.min(video.duration || Infinity, video.currentTime + step); });

  // the scrubber: reps shaded, worst moments as ticks, the current time as a line
  const scrubber = document.getElementById("scrubber");
  const duration = () => video.duration || track.time_s[track.time_s.length - 1] || 1;
  const cursor = document.createElement("div");
  cursor.className = "cursor";
  function place() {
    scrubber.querySelectorAll(".mark").forEach((m) => m.remove());
    const d = duration();
    for (const rep of marks.reps) {
      const b = document.createElement("button");
      b.type = "button"; b.className = `mark rep ${rep.side}`;
      b.style.left = `${(100 * rep.start) / d}%`;
      b.style.width = `${Math.max(0.5, (100 * (rep.end - rep.start)) / d)}%`;
      b.title = `${rep.side} rep ${rep.index}`;
      b.dataset.at = rep.at ?? rep.start;
      scrubber.append(b);
    }
    for (const [i, w] of marks.worst.entries()) {
      const b = document.createElement("button");
      b.type = "button"; b.className = "mark worst";
      b.style.left = `${(100 * w.at) / d}%`;
      b.title = `worst moment ${i + 1}: ${w.side}${w.rep ? ` rep ${w.rep}` : ""} at ${w.at.toFixed(2)} s`;
      b.dataset.at = w.at;
      scrubber.append(b);
    }
    scrubber.append(cursor);
  }
  scrubber.addEventListener("click", (e) => {
    video.pause();
    const mark = e.target.closest(".mark");
    if (mark) { video.currentTime = Number(mark.dataset.at); return; }
    const box = scrubber.getBoundingClientRect();
    video.currentTime = (duration() * (e.clientX - box.left)) / box.width;
  });
  const follow = () => { cursor.style.left = `${(100 * video.currentTime) / duration()}%`; };
  video.addEventListener("timeupdate", follow);
  video.addEventListener("seeked", follow);
  video.addEventListener("loadedmetadata", () => { place(); render(); });
  place();
  render();
  section.dataset.ready = "true";
}

// ---------------------------------------------------------------- compare: both videos at a rep
function setUpCompare(bar) {
  const videos = Array.from(document.querySelectorAll("video.compared"));
  bar.addEventListener("click", (e) => {
    const button = e.target.closest("button.sync");
    if (!button || videos.length !== 2) return;
    videos.forEach((v) => v.pause());
    videos[0].currentTime = Number(button.dataset.before);
    videos[1].currentTime = Number(button.dataset.after);
  });
}

// ---------------------------------------------------------------- train: live knee line
const CUE_COLOURS = { "in line": "#2ca02c", drifting: "#e0a000", inside: "#d62728", unseen: "#888" };

function drawLive(ctx, reply, keep) {
  if (!keep) ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  const k = reply.keypoints || {};
  const cue = (side) => (reply.feedback === false ? "#bbb" : CUE_COLOURS[reply.cue[side]]);
  drawLegs(ctx, (name) => k[name], 1, { trunk: false, width: 6, leg: cue, foot: () => "#fff", plumb: cue });
}

function beep(audio) {
  const osc = audio.createOscillator(), gain = audio.createGain();
  osc.frequency.value = 880; gain.gain.value = 0.15;
  osc.connect(gain).connect(audio.destination);
  osc.start(); osc.stop(audio.currentTime + 0.12);
}

function setUpTrain(section) {
  const exercise = document.getElementById("exercise");
  if (exercise) exercise.addEventListener("change", () => {
    for (const how of section.querySelectorAll(".how")) how.hidden = how.dataset.exercise !== exercise.value;
    if (socket && socket.readyState === WebSocket.OPEN) startSet();
  });
  const video = document.getElementById("camera");
  const ctx = document.getElementById("live-overlay").getContext("2d");
  const cue = document.getElementById("cue"), stats = document.getElementById("live-stats");
  const grab = document.createElement("canvas");
  grab.width = 640; grab.height = 480;
  const live = (window.kneecoachLive = { replies: [], latencies: [], frames: [], reps: [] });
  const BUFFER_MS = 20000;  // the frames kept for the replay of the worst rep
  let socket = null, inFlight = false, audio = null, lastInside = { left: false, right: false };

  async function send() {
    if (inFlight || !socket || socket.readyState !== WebSocket.OPEN || video.readyState < 2) return;
    inFlight = true;
    grab.getContext("2d").drawImage(video, 0, 0, 640, 480);
    const t = performance.now();
    const jpeg = await new Promise((resolve) => grab.toBlob(resolve, "image/jpeg", 0.8));
    live.frames.push({ t, jpeg });
    while (live.frames.length && live.frames[0].t < t - BUFFER_MS) live.frames.shift();
    const frame = new Uint8Array(8 + jpeg.size);
    new DataView(frame.buffer).setFloat64(0, t, true);
    frame.set(new Uint8Array(await jpeg.arrayBuffer()), 8);
    socket.send(frame);
  }

  function show(reply) {
    drawLive(ctx, reply);
    const latency = performance.now() - reply.t;
    live.replies.push(reply); live.latencies.push(latency);
    if (live.replies.length > 600) { live.replies.shift(); live.latencies.shift(); }
    if (reply.hold && !reply.sense) {
      const h = reply.hold;
      cue.textContent = h.done ? `Held ${h.target_s.toFixed(0)} s: the set is done` :
        `Hold still: ${h.held_s.toFixed(0)} of ${h.target_s.toFixed(0)} s · ${reply.message}`;
      const save = document.getElementById("save-set");
      if (save) save.disabled = h.held_s <= 0;
      section.dataset.held = String(h.held_s);
    } else if (reply.sense) {
      const s = reply.sense;
      const task = s.kind === "knee_over_toe" ? "Squat, close your eyes, place your knees over your second toes"
        : `Side on to the camera, close your eyes, bend the knee to ${s.kind.slice(6)}°`;
      cue.textContent = `${task} and hold still: trial ${Math.min(s.trials + 1, s.needed)} of ${s.needed}` +
        (s.holding_s > 0 ? ` (still for ${s.holding_s.toFixed(1)} s)` : "");
    } else {
      cue.textContent = reply.feedback === false ? "This rep without feedback: feel where your knees are" : reply.message;
    }
    for (const side of ["left", "right"]) {
      const row = section.querySelector(`#live-numbers tr[data-side=${side}]`);
      const v = reply[`knee_over_foot_${side}_pct`], b = reply[`knee_flexion_${side}_deg`];
      row.querySelector(".kof").textContent = v === null ? "—" : `${v.toFixed(1)}%`;
      row.querySelector(".bend").textContent = b === null ? "—" : `${b.toFixed(0)}°`;
      row.querySelector(".state").textContent = reply.cue[side];
      const inside = reply.cue[side] === "inside";
      if (inside && !lastInside[side] && reply.feedback !== false && audio && document.getElementById("tone").checked) beep(audio);
      lastInside[side] = inside;
    }
    const sorted = [...live.latencies].sort((a, b) => a - b);
    stats.textContent = `camera → lines ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms (median), server ${reply.server_ms.toFixed(0)} ms`;
    section.dataset.replies = String(live.replies.length);
    document.getElementById("rep-count").textContent = `${reply.reps} rep${reply.reps === 1 ? "" : "s"}`;
    const save = document.getElementById("save-set");
    if (save) save.disabled = reply.reps === 0;
    if (reply.rep) {
      live.reps.push(reply.rep);
      document.getElementById("replay").disabled = false;
      const r = reply.rep, pct = (v) => (v === null ? "—" : `${v.toFixed(1)}%`);
      const row = document.createElement("tr");
      for (const text of [r.index, `${r.depth_pct.toFixed(0)}%`, pct(r.worst_knee_over_foot_left_pct),
                          pct(r.worst_knee_over_foot_right_pct), `${Math.round(100 * r.in_line_share)}%`]) {
        const cell = document.createElement("td"); cell.textContent = String(text); row.append(cell);
      }
      section.querySelector("#live-reps tbody").append(row);
    }
  }

  async function replayWorst() {
    // the rep whose knee came furthest inside its foot, from the frames kept
    const worst = (r) => Math.max(r.worst_knee_over_foot_left_pct ?? -Infinity, r.worst_knee_over_foot_right_pct ?? -Infinity);
    const rep = [...live.reps].sort((a, b) => worst(b) - worst(a))[0];
    if (!rep) return;
    const from = rep.start_s * 1000, to = rep.end_s * 1000;
    const frames = live.frames.filter((f) => f.t >= from && f.t <= to);
    const box = document.getElementById("replay-box");
    const canvas = document.getElementById("replay-canvas"), ctx2 = canvas.getContext("2d");
    box.hidden = false;
    box.querySelector("figcaption").textContent = frames.length
      ? `Rep ${rep.index}, the worst: its knee came ${worst(rep).toFixed(1)}% of leg length inside its foot.`
      : `Rep ${rep.index} is older than the ${BUFFER_MS / 1000} s kept.`;
    let shown = 0;
    for (const [i, f] of frames.entries()) {
      const image = await createImageBitmap(f.jpeg);
      ctx2.clearRect(0, 0, canvas.width, canvas.height);
      ctx2.drawImage(image, 0, 0, canvas.width, canvas.height);
      const reply = live.replies.find((r) => r.t === f.t);
      if (reply) drawLive(ctx2, { ...reply, feedback: true }, true);
      shown += 1;
      const next = frames[i + 1];
      if (next) await new Promise((resolve) => window.setTimeout(resolve, Math.min(next.t - f.t, 200)));
    }
    box.dataset.frames = String(shown);
  }

  function startSet() {  // a timed exercise (a dosage in seconds) is timed, others counted
    const chosen = exercise && exercise.selectedOptions[0];
    const seconds = chosen ? Number(chosen.dataset.seconds || 0) : 0;
    socket.send(JSON.stringify(seconds > 0 ? { command: "timed", seconds } : { command: "new_set" }));
  }

  function answered(reply) {
    const saved = document.getElementById("saved");
    if (reply.saved) {
      saved.textContent = `Saved: ${reply.saved.reps.length} reps logged for ${reply.saved.day}. ${reply.saved.adherence}`;
      section.querySelector("#live-reps tbody").replaceChildren();
      section.dataset.saved = String(reply.saved.reps.length);
    } else if (reply.sense_started) {
      saved.textContent = `Position sense: ${reply.label}, ${reply.trials} trials.`;
    } else if (reply.sense_result) {
      saved.textContent = `Position sense: ${reply.sense_result.text}${reply.stored ? " Stored." : ""}`;
      section.dataset.sense = "done";
    } else if (reply.error) {
      saved.textContent = reply.error;
    }
  }

  document.getElementById("start").addEventListener("click", async () => {
    audio = audio || new AudioContext();
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    video.srcObject = stream;
    await video.play();
    const person = section.dataset.person ? `?person=${section.dataset.person}` : "";
    socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/live${person}`);
    socket.onopen = () => { startSet(); send(); };
    socket.onmessage = (event) => {
      const reply = JSON.parse(event.data);
      if (reply.saved || reply.new_set || reply.timed || reply.sense_started || reply.sense_result ||
          (reply.error && reply.t === undefined)) {
        answered(reply);  // an answer to a command, not to a frame
        return;
      }
      inFlight = false;
      if (!reply.error) show(reply);
      send();  // the newest frame, now that this one is answered
    };
    for (const button of section.querySelectorAll("#sense, button.angle")) {
      button.addEventListener("click", () => socket.send(JSON.stringify({ command: "sense", kind: button.dataset.kind })));
    }
    document.getElementById("replay").addEventListener("click", replayWorst);
    const save = document.getElementById("save-set");
    if (save) save.addEventListener("click", () => {
      const exercise = document.getElementById("exercise");
      socket.send(JSON.stringify({ command: "save_set", exercise_id: exercise && exercise.value ? exercise.value : null }));
    });
    socket.onclose = () => { cue.textContent = "The connection closed: press start again."; };
    window.setInterval(send, 250);  // in case a frame was not ready when the answer came
    document.getElementById("start").disabled = true;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("upload");
  if (form) setUpUpload(form);
  const jobs = document.getElementById("jobs");
  if (jobs) setUpJobs(jobs);
  const player = document.getElementById("player");
  if (player) setUpPlayer(player);
  const sync = document.getElementById("sync");
  if (sync) setUpCompare(sync);
  const train = document.getElementById("train");
  if (train) setUpTrain(train);
});
