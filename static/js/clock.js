// The countdown every screen shows: the server owns the clock; this corrects for the device's clock
// offset and ticks locally (no per-second traffic). Gentle signals at 2 minutes and at the end.
(function () {
  "use strict";
  var t = window.cafeT || function (key) { return key; };

  function format(seconds) {
    var s = Math.max(0, Math.round(seconds));
    var m = Math.floor(s / 60);
    return m + ":" + String(s % 60).padStart(2, "0");
  }

  function Countdown(display, announcer) {
    this.display = display;
    this.announcer = announcer;
    this.clock = null;
    this.offset = 0;
    this.signalled = {};
    this.spoken = null;
    this.phase = undefined;
    var self = this;
    setInterval(function () { self.tick(); }, 1000);
  }

  // `round` (optional) says whether travellers move after this round: "Time to move" only then.
  Countdown.prototype.update = function (clock, serverTime, round) {
    var changed = !this.clock || this.clock.started_at !== clock.started_at || this.clock.round !== clock.round;
    this.clock = clock;
    this.moving = !round || (!!round.move && clock.round < clock.rounds);
    this.offset = serverTime - Date.now();
    if (changed) this.signalled = {};
    this.spoken = null;  // a start, pause, resume or extension is said at once
    this.tick();
  };

  Countdown.prototype.remaining = function () {
    var c = this.clock;
    if (!c || c.started_at === null) return null;
    var until = c.paused_at !== null ? c.paused_at : Date.now() + this.offset;
    return c.duration - ((until - c.started_at) / 1000 - c.paused_total);
  };

  Countdown.prototype.say = function (key, text) {
    if (this.signalled[key]) return;
    this.signalled[key] = true;
    this.announce(text);
    if (navigator.vibrate) { try { navigator.vibrate(150); } catch (e) { /* not allowed */ } }
    this.display.classList.add("signal");
    var display = this.display;
    setTimeout(function () { display.classList.remove("signal"); }, 2500);
  };

  // Screen readers hear the time politely and seldom: when the round starts, pauses, resumes or is
  // extended, every five minutes, then each of the last five minutes (two: the gentle signal).
  Countdown.prototype.announce = function (text) {
    if (this.announcer && this.announcer.textContent !== text) this.announcer.textContent = text;
  };

  Countdown.prototype.speakMinutes = function (whole) {
    if (whole === this.spoken) return;
    var fresh = this.spoken === null;
    this.spoken = whole;
    if (whole === 2 && !this.signalled.two) this.say("two", t("two_minutes"));
    else if (fresh || whole % 5 === 0 || whole <= 5) {
      this.announce(whole === 1 ? t("one_minute_left") : t("minutes_left", { minutes: whole }));
    }
  };

  // The words for a phase; a screen may leave some out (`quiet`: the wall's harvest has a heading).
  Countdown.prototype.phaseText = function (phase) {
    if (this.quiet && this.quiet[phase]) return "";
    if (phase === "ended" && !this.moving) return t(this.clock.round >= this.clock.rounds ? "ended_last" : "ended_stay");
    return t(phase);
  };

  Countdown.prototype.tick = function () {
    var c = this.clock;
    if (!c) return;
    var left = this.remaining();
    var phase = c.phase;
    this.display.dataset.phase = phase;
    if (phase !== this.phase) {
      // Say a change of phase once (not on first load: the page says where things stand).
      if (this.phase !== undefined && phase !== "running") this.announce(this.phaseText(phase));
      this.phase = phase;
      this.spoken = null;
    }
    if (phase === "running" || phase === "paused") {
      this.display.textContent = t(phase === "paused" ? "paused_left" : "left", { time: format(left) });
      this.display.classList.toggle("soon", left <= 120 && left > 0);
      this.display.classList.toggle("over", left <= 0);
      if (phase === "running" && left > 0) this.speakMinutes(Math.ceil(left / 60));
      if (phase === "running" && left <= 0) this.say("end", t("time_up"));
    } else {
      this.display.textContent = this.phaseText(phase);
      this.display.classList.remove("soon", "over");
    }
    // A phone out of touch shows its last known time, marked as such, until the server answers.
    if (this.stale) this.display.textContent += " · " + t("clock_waiting");
  };

  window.CafeCountdown = Countdown;
})();
