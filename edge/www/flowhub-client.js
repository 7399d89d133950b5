/*
 * flowhub-client.js: the browser client of a flowhub edge (WebSocket at
 * /ws/flow).  A dependency-free ES module; it also runs under Node when a
 * WebSocket constructor is passed in.
 *
 * Design.  The module is split in two layers:
 *
 *  - FlowModel holds the dashboard state (execution context, active and
 *    recent blocks, the last four actions, hardware, logs, lastSeq) and
 *    applies server messages to it.  It does no I/O and owns no timers, so
 *    every rule below is testable with plain objects.
 *  - FlowhubClient owns one WebSocket, the keepalive (application `ping`
 *    every pingIntervalMs; RTT from the matching `pong`; the socket is
 *    dropped after maxMissedPongs unanswered pings) and the reconnect loop
 *    (exponential backoff 0.5 s doubling to 30 s, +-30 % jitter, paused
 *    while the browser says it is offline).
 *
 * Sequence numbers.  Every server event carries `seq`; the model drops any
 * event whose seq is not above the last one it applied, so a replay that
 * overlaps what was already seen is harmless.  Every state snapshot
 * (`initial_execution_state`) that is taken sets lastSeq to the snapshot's
 * seq, since the edge sends the events after a snapshot right behind it.
 *
 * Resume.  After a reconnect the client opens /ws/flow?since=lastSeq
 * (&logs=the current log filters, URL-encoded JSON).  The edge then sends
 * no greeting at all: only the events after lastSeq, logs included, once
 * and in order; a snapshot on such a connection is the answer to a resume
 * older than the hub retains and is taken as is.
 *
 * In-band resume (resumeMode 'inband', the original front end's way, for
 * edges that predate the URL parameters): after a reconnect the client
 * sends {"type":"resume","since":lastSeq}.  The edge greets every new
 * connection with a snapshot; if that
 * greeting is newer than lastSeq, applying it at once would swallow the
 * replay (every replayed seq would then look old), so the greeting is held
 * back while the replay arrives.  It is applied when an event newer than
 * the greeting arrives before the replay reached it (the edge sends in
 * order, so the replay is not coming), when the resume timer fires, or it
 * is dropped once the replay has caught up with it.  A greeting that is
 * not newer than lastSeq is ignored: the edge continues after `since`, so
 * rolling back to it would lose the events in between.  A second snapshot
 * on the same connection is the answer to a resume that was too old (or a
 * new stream after the hub lost its state) and is taken as is.  On `gap`
 * the client asks for a fresh state.
 *
 * One connection per page: getFlowhubClient() returns a module-level
 * instance, so views of a single-page application share it across
 * navigation instead of opening their own sockets.
 */

export const CLIENT_VERSION = '1.0.0';

/** Log levels in the order the edge knows them. */
export const LOG_LEVELS = Object.freeze(['debug', 'info', 'warn', 'error']);

/** Server messages that carry a seq and change state. */
export const EVENT_TYPES = Object.freeze([
	'execution_started',
	'block_started_enhanced',
	'block_executed_enhanced',
	'execution_finished',
	'log_entry',
	'hardware_health_update',
	'gap',
]);

export const DEFAULT_OPTIONS = Object.freeze({
	url: null,              /* ws(s):// URL or a path; default: /ws/flow of the page */
	token: null,            /* sent as ?token= on the upgrade */
	name: 'FlowhubDashboard', /* identify_client clientInfo.name */
	page: 'dashboard',      /* identify_client clientInfo.page */
	autoConnect: true,      /* getFlowhubClient() connects at once */
	pingIntervalMs: 5000,
	maxMissedPongs: 2,
	backoffBaseMs: 500,
	backoffMaxMs: 30000,
	backoffJitter: 0.3,
	resumeMode: 'url',      /* 'url': ?since= on reconnect; 'inband': resume message */
	resumeTimeoutMs: 2000,  /* how long a held-back greeting waits for the replay */
	greetingTimeoutMs: 3000, /* ask for the state if the edge has not sent it */
	historySize: 4,         /* actionHistory length, as in the original store */
	recentLimit: 20,
	logLimit: 200,
	WebSocket: null,        /* constructor; default globalThis.WebSocket */
	random: null,           /* () => [0,1); default Math.random */
	now: null,              /* () => ms; default Date.now */
	window: null,           /* online/offline events; default globalThis.window */
	navigator: null,        /* navigator.onLine; default globalThis.navigator */
	location: null,         /* page location; default globalThis.location */
});

/*
 * The delay before reconnect attempt number `attempt` (0 = first retry):
 * base * 2^attempt capped at max, then scaled by a uniform factor in
 * [1 - jitter, 1 + jitter] so that many clients cut off by one edge crash
 * do not all come back in the same millisecond.
 */
export function backoffDelay(attempt, opts = {}) {
	const base = opts.backoffBaseMs ?? DEFAULT_OPTIONS.backoffBaseMs;
	const max = opts.backoffMaxMs ?? DEFAULT_OPTIONS.backoffMaxMs;
	const jitter = opts.backoffJitter ?? DEFAULT_OPTIONS.backoffJitter;
	const random = opts.random ?? Math.random;
	const n = Math.max(0, Math.min(Math.floor(attempt) || 0, 30));
	const nominal = Math.min(max, base * 2 ** n);
	const factor = 1 + jitter * (2 * random() - 1);
	return Math.max(0, Math.round(nominal * factor));
}

/*
 * The WebSocket URL: `url` when given (absolute ws:, wss:, http:, https: or
 * a path resolved against the page), else /ws/flow on the page's host with
 * wss: under https:.  A token is appended as ?token=; with `resume`
 * ({since, logs}) the resume point too: since=<seq> and, when logs is a
 * filter object, logs=<its JSON>.
 */
export function buildUrl(url, token, location, resume) {
	let u;
	const base = location && location.href ? location.href : 'http://localhost/';
	if (url) {
		u = new URL(url, base);
	} else {
		u = new URL('/ws/flow', base);
	}
	if (u.protocol === 'https:')
		u.protocol = 'wss:';
	else if (u.protocol === 'http:')
		u.protocol = 'ws:';
	if (token)
		u.searchParams.set('token', token);
	if (resume && Number.isSafeInteger(resume.since) && resume.since >= 0) {
		u.searchParams.set('since', String(resume.since));
		if (resume.logs && typeof resume.logs === 'object')
			u.searchParams.set('logs', JSON.stringify(resume.logs));
	}
	u.hash = '';
	return u.toString();
}

/*
 * Filters as the edge expects them: level a non-empty array of known
 * levels, tag and module non-empty strings; anything absent means "any".
 */
export function normalizeLogFilters(filters) {
	const out = {};
	if (!filters || typeof filters !== 'object')
		return out;
	if (Array.isArray(filters.level)) {
		const lv = LOG_LEVELS.filter((l) => filters.level.includes(l));
		out.level = lv;
	}
	for (const k of ['tag', 'module']) {
		const v = filters[k];
		if (typeof v === 'string' && v.trim() !== '')
			out[k] = v.trim();
	}
	return out;
}

/* Whether two filter sets select the same logs (absent level = all). */
export function sameLogFilters(a, b) {
	if (!a || !b)
		return !a && !b;
	const lv = (f) => (Array.isArray(f.level) ? LOG_LEVELS.filter((l) => f.level.includes(l)) : LOG_LEVELS)
		.join(',');
	const str = (v) => (typeof v === 'string' && v !== '' ? v : null);
	return lv(a) === lv(b) && str(a.tag) === str(b.tag) && str(a.module) === str(b.module);
}

/* Whether a log entry passes filters (the same rule the edge applies). */
export function logMatches(filters, entry) {
	if (!filters)
		return false;
	if (filters.level && !filters.level.includes(entry.level))
		return false;
	if (filters.tag !== undefined && entry.tag !== filters.tag)
		return false;
	if (filters.module !== undefined && entry.module !== filters.module)
		return false;
	return true;
}

/* "completed" and "skipped" count as success; "failed", "cancelled" do not. */
export function successOf(status) {
	if (status === 'completed' || status === 'skipped')
		return true;
	if (status === 'failed' || status === 'cancelled')
		return false;
	return null;
}

export function formatBlockText(data) {
	if (!data)
		return '';
	if (data.blockName && data.blockType)
		return `${data.blockType}: ${data.blockName}`;
	return data.blockName || data.blockType || data.blockId || '';
}

function toDate(v, fallback) {
	if (v === null || v === undefined || v === '')
		return fallback === undefined ? null : fallback;
	const d = new Date(v);
	return Number.isNaN(d.getTime()) ? (fallback === undefined ? null : fallback) : d;
}

function durationOf(timing) {
	if (!timing)
		return null;
	if (typeof timing.durationMs === 'number')
		return timing.durationMs;
	const s = Date.parse(timing.startTime);
	const e = Date.parse(timing.endTime);
	return Number.isFinite(s) && Number.isFinite(e) ? e - s : null;
}

/*
 * An actionHistory entry for a block that has just started: the shape of
 * the original front end's store (type, text, timestamp, blockId, success
 * null while in progress, isStarted) plus status and timing fields.
 */
export function actionFromStarted(data, now = Date.now) {
	return {
		type: data.blockType,
		text: data.displayText || formatBlockText(data),
		timestamp: toDate(data.timing && data.timing.startTime, new Date(now())),
		blockId: data.blockId,
		blockName: data.blockName ?? null,
		success: null,
		isStarted: true,
		status: 'running',
		durationMs: null,
		endTime: null,
		error: null,
	};
}

/*
 * The history after block_executed_enhanced: the entry with the same
 * blockId (if still among the last few) gets its outcome.  Returns the same
 * array when nothing matched, a new one otherwise.
 */
export function applyExecutedToHistory(history, data) {
	const i = history.findIndex((a) => a.blockId === data.blockId);
	if (i < 0)
		return history;
	const a = history[i];
	const upd = {
		...a,
		success: successOf(data.status),
		isStarted: false,
		status: data.status,
		durationMs: durationOf(data.timing),
		endTime: toDate(data.timing && data.timing.endTime),
		error: data.error ?? null,
	};
	if (data.result !== undefined)
		upd.result = data.result;
	const out = history.slice();
	out[i] = upd;
	return out;
}

/* The history entry for a block object of a state snapshot (PROTOCOL §3). */
export function actionFromBlock(b) {
	const running = b.status === 'running' || b.status === undefined;
	const a = actionFromStarted(b, () => 0);
	if (running)
		return a;
	return applyExecutedToHistory([a], b)[0];
}

/*
 * The last `max` actions recorded in a snapshot: active and recent blocks
 * together, newest start first.  This is what the event path yields after
 * the same events, because entries enter the history in start order.
 */
export function historyFromSnapshot(active, recent, max = 4) {
	const all = [];
	const seen = new Set();
	const push = (b, rank) => {
		if (!b || typeof b !== 'object' || seen.has(b.blockId))
			return;
		seen.add(b.blockId);
		const t = Date.parse(b.timing && b.timing.startTime);
		all.push({ b, t: Number.isFinite(t) ? t : -Infinity, rank });
	};
	/* active is oldest first, recent newest first: rank keeps a stable
	 * "newer first" order among blocks that started in the same ms */
	(active || []).forEach((b, i, arr) => push(b, arr.length - i));
	(recent || []).forEach((b, i) => push(b, -1 - i));
	all.sort((x, y) => (y.t - x.t) || (y.rank - x.rank));
	return all.slice(0, max).map((x) => actionFromBlock(x.b));
}

function emptyContext() {
	return {
		sessionId: null,
		programId: null,
		programName: null,
		status: 'idle',
		startTime: null,
		endTime: null,
		blocksStarted: 0,
		blocksCompleted: 0,
		blocksFailed: 0,
	};
}

/* The initial client state; the connection fields are the original store's. */
export function createState() {
	return {
		wsConnected: false,
		wsReconnecting: false,
		connectionStatus: 'disconnected',
		rttMs: null,
		reconnectAttempt: 0,
		nextRetryMs: null,
		clientId: null,
		hubAvailable: null,  /* false while the edge says it has no hub */
		lastSeq: 0,
		haveState: false,
		executionContext: emptyContext(),
		activeBlocks: [],
		recentBlocks: [],
		actionHistory: [],
		hardware: {},
		logs: [],
		logFilters: null,
		logsSubscribed: false,     /* the edge sends this client logs */
		logFiltersConfirmed: false, /* ... and has confirmed the current filters */
		stats: { duplicates: 0, gaps: 0, lost: 0, snapshots: 0, resumes: 0 },
		lastError: null,
		lastClose: null,
	};
}

/*
 * The state machine of the dashboard data.  handle(msg) returns the list
 * of state keys it changed ([] when the message was dropped or did not
 * matter).  Arrays and objects that change are replaced, never mutated in
 * place, so a view may compare them by reference.
 */
export class FlowModel {
	constructor(opts = {}) {
		this.opts = { ...DEFAULT_OPTIONS, ...opts };
		this.now = this.opts.now || Date.now;
		this.state = createState();
		this.resume = null; /* {since, pending} while resuming */
		this.greeted = false; /* a snapshot arrived on this connection */
	}

	/* Called when a connection opens; true if the client should resume. */
	connectionOpened() {
		this.greeted = false;
		if (this.state.haveState) {
			this.resume = { since: this.state.lastSeq, pending: null };
			this.state.stats = { ...this.state.stats, resumes: this.state.stats.resumes + 1 };
			return true;
		}
		this.resume = null;
		return false;
	}

	/* A connection opened with ?since=lastSeq: no greeting is coming, the
	 * stream goes on after lastSeq, and a snapshot on it (the resume was
	 * too old) is taken as is. */
	connectionResumed() {
		this.greeted = true;
		this.resume = null;
		this.state.stats = { ...this.state.stats, resumes: this.state.stats.resumes + 1 };
	}

	/* The resume timer fired: apply a greeting still held back. */
	resumeTimedOut() {
		if (!this.resume)
			return [];
		const p = this.resume.pending;
		this.resume = null;
		if (p && p.seq > this.state.lastSeq)
			return this.applySnapshot(p);
		return [];
	}

	get resuming() {
		return this.resume !== null;
	}

	setLogFilters(filters) {
		const s = this.state;
		s.logFilters = filters;
		s.logs = filters ? s.logs.filter((e) => logMatches(filters, e)) : [];
		return ['logFilters', 'logs'];
	}

	handle(msg) {
		if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string')
			return [];
		if (msg.type === 'initial_execution_state')
			return this.handleSnapshot(msg.data);
		if (!EVENT_TYPES.includes(msg.type))
			return [];
		const s = this.state;
		const changed = [];
		const seq = typeof msg.seq === 'number' && Number.isFinite(msg.seq) ? msg.seq : null;
		if (seq !== null) {
			const r = this.resume;
			if (r && r.pending && seq > r.pending.seq) {
				/* the replay is not coming before this: take the greeting */
				this.resume = null;
				changed.push(...this.applySnapshot(r.pending));
			}
			if (seq <= s.lastSeq) {
				s.stats = { ...s.stats, duplicates: s.stats.duplicates + 1 };
				return changed;
			}
			s.lastSeq = seq;
			changed.push('lastSeq');
			if (s.hubAvailable !== true) {
				s.hubAvailable = true;
				changed.push('hubAvailable');
			}
			if (r && this.resume && r.pending && seq >= r.pending.seq)
				this.resume = null; /* the replay caught up */
		}
		changed.push(...this.applyEvent(msg.type, msg.data || {}, msg));
		return changed;
	}

	handleSnapshot(data) {
		if (!data || typeof data !== 'object') {
			/* the edge has no state to give: it is not linked to a hub */
			if (this.state.hubAvailable === false)
				return [];
			this.state.hubAvailable = false;
			return ['hubAvailable'];
		}
		const seq = typeof data.seq === 'number' ? data.seq : 0;
		const first = !this.greeted;
		this.greeted = true;
		const r = this.resume;
		if (r && first) {
			if (seq > r.since) {
				/* greeting newer than what we have: wait for the replay */
				r.pending = { ...data, seq };
				return [];
			}
			/* greeting not newer than our state: the edge continues
			 * after `since`, so taking it would lose what lies between */
			this.resume = null;
			return [];
		}
		/* the answer to a too-old resume, a requested state, or a new
		 * stream the edge started for everyone: take it */
		this.resume = null;
		return this.applySnapshot({ ...data, seq });
	}

	applySnapshot(d) {
		const s = this.state;
		const opts = this.opts;
		s.lastSeq = d.seq;
		s.haveState = true;
		s.hubAvailable = true;
		s.executionContext = { ...emptyContext(), ...(d.executionContext || {}) };
		s.activeBlocks = Array.isArray(d.active) ? d.active.slice() : [];
		s.recentBlocks = Array.isArray(d.recent) ? d.recent.slice(0, opts.recentLimit) : [];
		s.actionHistory = historyFromSnapshot(s.activeBlocks, s.recentBlocks, opts.historySize);
		s.hardware = d.hardware && typeof d.hardware === 'object' ? { ...d.hardware } : {};
		s.stats = { ...s.stats, snapshots: s.stats.snapshots + 1 };
		return ['lastSeq', 'executionContext', 'activeBlocks', 'recentBlocks',
			'actionHistory', 'hardware', 'stats', 'hubAvailable'];
	}

	applyEvent(type, d, msg) {
		const s = this.state;
		const opts = this.opts;
		switch (type) {
		case 'execution_started': {
			s.executionContext = {
				...emptyContext(),
				sessionId: d.sessionId ?? null,
				programId: d.programId ?? null,
				programName: d.programName ?? null,
				meta: d.meta,
				status: 'running',
				startTime: d.startTime ?? d.timestamp ?? msg.timestamp ?? null,
			};
			s.activeBlocks = [];
			s.recentBlocks = [];
			s.actionHistory = [];
			s.haveState = true;
			return ['executionContext', 'activeBlocks', 'recentBlocks', 'actionHistory'];
		}
		case 'block_started_enhanced': {
			if (!d.blockId)
				return [];
			const block = {
				blockId: d.blockId,
				blockType: d.blockType,
				blockName: d.blockName ?? null,
				displayText: d.displayText ?? null,
				status: 'running',
				timing: { startTime: d.timing ? d.timing.startTime : null, endTime: null, durationMs: null },
				result: null,
				error: null,
			};
			s.activeBlocks = [...s.activeBlocks.filter((b) => b.blockId !== d.blockId), block];
			s.actionHistory = [actionFromStarted(d, this.now),
				...s.actionHistory.filter((a) => a.blockId !== d.blockId)].slice(0, opts.historySize);
			s.executionContext = { ...s.executionContext,
				blocksStarted: s.executionContext.blocksStarted + 1 };
			s.haveState = true;
			return ['activeBlocks', 'actionHistory', 'executionContext'];
		}
		case 'block_executed_enhanced': {
			if (!d.blockId)
				return [];
			const prev = s.activeBlocks.find((b) => b.blockId === d.blockId);
			const block = {
				blockId: d.blockId,
				blockType: d.blockType ?? (prev && prev.blockType),
				blockName: d.blockName ?? (prev ? prev.blockName : null),
				displayText: d.displayText ?? (prev ? prev.displayText : null),
				status: d.status,
				timing: { ...(prev ? prev.timing : {}), ...(d.timing || {}) },
				result: d.result ?? null,
				error: d.error ?? null,
			};
			s.activeBlocks = s.activeBlocks.filter((b) => b.blockId !== d.blockId);
			s.recentBlocks = [block, ...s.recentBlocks].slice(0, opts.recentLimit);
			s.actionHistory = applyExecutedToHistory(s.actionHistory, d);
			const c = s.executionContext;
			s.executionContext = { ...c,
				blocksCompleted: c.blocksCompleted + (d.status === 'completed' ? 1 : 0),
				blocksFailed: c.blocksFailed + (d.status === 'failed' ? 1 : 0) };
			return ['activeBlocks', 'recentBlocks', 'actionHistory', 'executionContext'];
		}
		case 'execution_finished': {
			const endTime = d.endTime ?? d.timestamp ?? msg.timestamp ?? null;
			const cancelled = s.activeBlocks.map((b) => ({ ...b, status: 'cancelled',
				timing: { ...b.timing, endTime } }));
			s.recentBlocks = [...cancelled.reverse(), ...s.recentBlocks].slice(0, opts.recentLimit);
			s.activeBlocks = [];
			let h = s.actionHistory;
			for (const b of cancelled)
				h = applyExecutedToHistory(h, { blockId: b.blockId, status: 'cancelled',
					timing: b.timing });
			s.actionHistory = h;
			const ctx = { ...s.executionContext, status: d.status || 'completed',
				endTime, summary: d.summary };
			/* the hub reports its final counters with the event */
			for (const k of ['startTime', 'blocksStarted', 'blocksCompleted', 'blocksFailed'])
				if (d[k] !== undefined && d[k] !== null)
					ctx[k] = d[k];
			s.executionContext = ctx;
			return ['activeBlocks', 'recentBlocks', 'actionHistory', 'executionContext'];
		}
		case 'hardware_health_update': {
			if (!d.component)
				return [];
			s.hardware = { ...s.hardware, [d.component]: {
				status: d.status,
				details: d.details ?? {},
				timestamp: d.timestamp ?? msg.timestamp ?? null,
			} };
			return ['hardware'];
		}
		case 'log_entry': {
			const e = {
				seq: msg.seq ?? null,
				level: d.level,
				tag: d.tag ?? null,
				module: d.module ?? null,
				message: d.message ?? '',
				data: d.data ?? null,
				timestamp: d.timestamp ?? msg.timestamp ?? null,
			};
			/* defensive: entries in flight while the filters changed, or
			 * after an unsubscribe (logFilters null) are not kept; those
			 * replayed before the edge confirmed a renewed subscription are */
			if (!logMatches(s.logFilters, e))
				return [];
			s.logs = [e, ...s.logs].slice(0, opts.logLimit);
			return ['logs'];
		}
		case 'gap': {
			const lost = typeof d.lost === 'number' ? d.lost : 0;
			s.stats = { ...s.stats, gaps: s.stats.gaps + 1, lost: s.stats.lost + lost };
			return ['stats'];
		}
		default:
			return [];
		}
	}
}

/*
 * One connection to an edge.  Events: 'state' (state, changedKeys),
 * 'message' (msg) for every server message, 'status' (state) when the
 * connection status or RTT changes, 'error' (error object from the edge).
 */
export class FlowhubClient {
	constructor(options = {}) {
		this.options = { ...DEFAULT_OPTIONS };
		for (const [k, v] of Object.entries(options))
			if (v !== undefined)
				this.options[k] = v;
		const o = this.options;
		this.now = o.now || Date.now;
		this.random = o.random || Math.random;
		this.model = new FlowModel({ ...o, now: this.now });
		this.listeners = new Map();
		this.ws = null;
		this.attempt = 0;
		this.wanted = false;       /* connect() called and not close()d */
		this.reconnectTimer = null;
		this.pingTimer = null;
		this.resumeTimer = null;
		this.greetingTimer = null;
		this.pings = [];           /* send times of unanswered pings */
		this.urlResume = null;     /* {since, logs} the open socket resumes from */
		this.desiredLogFilters = null;
		this.win = o.window || (typeof window !== 'undefined' ? window : null);
		this.nav = o.navigator || (typeof navigator !== 'undefined' ? navigator : null);
		this.onOnline = () => this.handleOnline();
		this.onOffline = () => this.handleOffline();
		if (this.win && this.win.addEventListener) {
			this.win.addEventListener('online', this.onOnline);
			this.win.addEventListener('offline', this.onOffline);
		}
	}

	get state() {
		return this.model.state;
	}

	/* Register cb for an event; returns a function that unregisters it. */
	on(event, cb) {
		if (!this.listeners.has(event))
			this.listeners.set(event, new Set());
		this.listeners.get(event).add(cb);
		return () => this.off(event, cb);
	}

	off(event, cb) {
		const set = this.listeners.get(event);
		if (set)
			set.delete(cb);
	}

	emit(event, ...args) {
		const set = this.listeners.get(event);
		if (!set)
			return;
		for (const cb of [...set]) {
			try {
				cb(...args);
			} catch (e) {
				/* a broken view must not break the connection */
				if (typeof console !== 'undefined')
					console.error('flowhub listener failed:', e);
			}
		}
	}

	changed(keys) {
		if (keys.length)
			this.emit('state', this.state, [...new Set(keys)]);
	}

	setStatus(status) {
		const s = this.state;
		s.connectionStatus = status;
		s.wsConnected = status === 'connected';
		s.wsReconnecting = status === 'reconnecting' || status === 'offline' ||
			(status === 'connecting' && s.haveState);
		this.emit('status', s);
		this.changed(['connectionStatus', 'wsConnected', 'wsReconnecting']);
	}

	isOffline() {
		return !!(this.nav && this.nav.onLine === false);
	}

	/* Open the connection (idempotent) and keep it open until close(). */
	connect() {
		this.wanted = true;
		if (this.ws || this.reconnectTimer)
			return this;
		if (this.isOffline()) {
			this.setStatus('offline');
			return this;
		}
		this.open();
		return this;
	}

	/* Close for good (no reconnect). */
	close() {
		this.wanted = false;
		this.clearTimers();
		const ws = this.ws;
		this.ws = null;
		if (ws) {
			detach(ws);
			try {
				ws.close(1000, 'client closing');
			} catch (e) { /* already closed */ }
		}
		this.setStatus('disconnected');
	}

	/* Detach from window events too; the instance is unusable afterwards. */
	destroy() {
		this.close();
		if (this.win && this.win.removeEventListener) {
			this.win.removeEventListener('online', this.onOnline);
			this.win.removeEventListener('offline', this.onOffline);
		}
		this.listeners.clear();
	}

	url(resume = null) {
		const o = this.options;
		const loc = o.location || (typeof location !== 'undefined' ? location : null);
		return buildUrl(o.url, o.token, loc, resume);
	}

	open() {
		const WS = this.options.WebSocket || globalThis.WebSocket;
		this.reconnectTimer = null;
		this.setStatus(this.state.haveState || this.attempt > 0 ? 'reconnecting' : 'connecting');
		let ws;
		/* with a state to continue from, say where on the URL */
		this.urlResume = this.state.haveState && this.options.resumeMode !== 'inband'
			? { since: this.state.lastSeq, logs: this.desiredLogFilters }
			: null;
		try {
			ws = new WS(this.url(this.urlResume));
		} catch (e) {
			this.state.lastError = { code: 'connect_failed', message: String(e && e.message || e) };
			this.scheduleReconnect();
			return;
		}
		this.ws = ws;
		ws.onopen = () => this.handleOpen(ws);
		ws.onmessage = (ev) => this.handleMessage(ws, ev);
		ws.onclose = (ev) => this.handleClose(ws, ev);
		ws.onerror = () => { /* a close event follows */ };
	}

	send(obj) {
		const ws = this.ws;
		if (!ws || ws.readyState !== 1)
			return false;
		try {
			ws.send(JSON.stringify(obj));
			return true;
		} catch (e) {
			return false;
		}
	}

	handleOpen(ws) {
		if (ws !== this.ws)
			return;
		const o = this.options;
		this.pings = [];
		this.setStatus('connected');
		this.send({ type: 'identify_client', clientInfo: { name: o.name, page: o.page } });
		if (this.urlResume) {
			/* the URL carried the position and the filters: no greeting
			 * comes, and asking for a state would jump over the replay */
			this.model.connectionResumed();
			if (!sameLogFilters(this.urlResume.logs, this.desiredLogFilters)) {
				/* the filters changed while connecting */
				if (this.desiredLogFilters)
					this.send({ type: 'subscribe_logs', filters: this.desiredLogFilters });
				else
					this.send({ type: 'unsubscribe_logs' });
			}
			this.pingTimer = setInterval(() => this.keepalive(), o.pingIntervalMs);
			return;
		}
		/* subscribe before resuming, so that a replay may include logs */
		if (this.desiredLogFilters)
			this.send({ type: 'subscribe_logs', filters: this.desiredLogFilters });
		if (this.model.connectionOpened()) {
			this.send({ type: 'resume', since: this.model.resume.since });
			this.resumeTimer = setTimeout(() => {
				this.resumeTimer = null;
				this.changed(this.model.resumeTimedOut());
			}, o.resumeTimeoutMs);
		}
		this.greetingTimer = setTimeout(() => {
			this.greetingTimer = null;
			this.requestInitialState();
		}, o.greetingTimeoutMs);
		this.pingTimer = setInterval(() => this.keepalive(), o.pingIntervalMs);
	}

	keepalive() {
		if (this.pings.length >= this.options.maxMissedPongs) {
			this.drop('pong timeout');
			return;
		}
		if (this.send({ type: 'ping' }))
			this.pings.push(this.now());
	}

	handleMessage(ws, ev) {
		if (ws !== this.ws)
			return;
		let msg;
		try {
			msg = JSON.parse(typeof ev.data === 'string' ? ev.data : String(ev.data));
		} catch (e) {
			return;
		}
		if (!msg || typeof msg !== 'object')
			return;
		const s = this.state;
		if (this.greetingTimer && (msg.type === 'initial_execution_state' ||
		    (EVENT_TYPES.includes(msg.type) && s.haveState))) {
			/* the stream flows: no need to ask for the state */
			clearTimeout(this.greetingTimer);
			this.greetingTimer = null;
		}
		switch (msg.type) {
		case 'pong': {
			const t = this.pings.shift();
			if (t !== undefined) {
				s.rttMs = Math.max(0, this.now() - t);
				this.emit('status', s);
				this.changed(['rttMs']);
			}
			break;
		}
		case 'client_identified':
			s.clientId = msg.data ? msg.data.clientId ?? null : null;
			this.changed(['clientId']);
			break;
		case 'logs_subscribed':
			/* the reply echoes the filters it answers: confirmed when
			 * those are the ones asked for last */
			s.logsSubscribed = true;
			s.logFiltersConfirmed = this.desiredLogFilters !== null &&
				sameLogFilters(msg.data && msg.data.filters, this.desiredLogFilters);
			this.changed(['logsSubscribed', 'logFiltersConfirmed']);
			break;
		case 'logs_unsubscribed':
			s.logsSubscribed = false;
			s.logFiltersConfirmed = false;
			this.changed(['logsSubscribed', 'logFiltersConfirmed']);
			break;
		case 'error':
			s.lastError = msg.error || null;
			this.emit('error', msg.error);
			this.changed(['lastError']);
			break;
		case 'initial_execution_state':
			/* a working connection: the next outage starts at 0.5 s again */
			this.attempt = 0;
			this.changed(this.model.handle(msg));
			if (!this.model.resuming && this.resumeTimer) {
				clearTimeout(this.resumeTimer);
				this.resumeTimer = null;
			}
			break;
		default: {
			const keys = this.model.handle(msg);
			/* a resumed connection gets no state: its first event shows
			 * it works, and the next outage starts at 0.5 s again */
			if (this.urlResume && keys.length && EVENT_TYPES.includes(msg.type))
				this.attempt = 0;
			if (!this.model.resuming && this.resumeTimer) {
				clearTimeout(this.resumeTimer);
				this.resumeTimer = null;
			}
			this.changed(keys);
			if (msg.type === 'gap' && keys.length)
				this.requestInitialState();
		}
		}
		this.emit('message', msg);
	}

	handleClose(ws, ev) {
		if (ws !== this.ws)
			return;
		detach(ws);
		this.ws = null;
		this.state.lastClose = { code: ev ? ev.code : null, reason: ev ? ev.reason : '' };
		this.afterDisconnect();
	}

	/* Give up on a connection that stopped answering, without waiting for
	 * a closing handshake that a hung peer would never finish. */
	drop(reason) {
		const ws = this.ws;
		if (!ws)
			return;
		detach(ws);
		this.ws = null;
		try {
			ws.close(4000, reason);
		} catch (e) { /* ignore */ }
		this.state.lastClose = { code: 4000, reason };
		this.afterDisconnect();
	}

	afterDisconnect() {
		this.clearTimers();
		this.state.logsSubscribed = false;
		this.state.logFiltersConfirmed = false;
		this.changed(['logsSubscribed', 'logFiltersConfirmed', 'lastClose']);
		if (!this.wanted) {
			this.setStatus('disconnected');
			return;
		}
		this.scheduleReconnect();
	}

	scheduleReconnect() {
		if (!this.wanted || this.reconnectTimer)
			return;
		if (this.isOffline()) {
			this.state.nextRetryMs = null;
			this.setStatus('offline');
			return;
		}
		const delay = backoffDelay(this.attempt, { ...this.options, random: this.random });
		this.state.reconnectAttempt = ++this.attempt;
		this.state.nextRetryMs = delay;
		this.reconnectTimer = setTimeout(() => this.open(), delay);
		this.setStatus('reconnecting');
	}

	handleOnline() {
		if (!this.wanted || this.ws)
			return;
		if (this.reconnectTimer) {
			clearTimeout(this.reconnectTimer);
			this.reconnectTimer = null;
		}
		this.attempt = 0;
		this.open();
	}

	handleOffline() {
		if (this.reconnectTimer) {
			clearTimeout(this.reconnectTimer);
			this.reconnectTimer = null;
			this.setStatus('offline');
		}
	}

	clearTimers() {
		for (const k of ['reconnectTimer', 'resumeTimer', 'greetingTimer']) {
			if (this[k]) {
				clearTimeout(this[k]);
				this[k] = null;
			}
		}
		if (this.pingTimer) {
			clearInterval(this.pingTimer);
			this.pingTimer = null;
		}
	}

	/* Client -> server requests (PROTOCOL §5).  Each returns whether the
	 * message went out; the log subscription is also kept for reconnects. */
	requestInitialState() {
		return this.send({ type: 'request_initial_state' });
	}

	subscribeLogs(filters = {}) {
		const f = normalizeLogFilters(filters);
		/* the same filters again (a form that fires change and submit):
		 * nothing to tell the edge */
		if (this.ws && this.ws.readyState === 1 && this.desiredLogFilters &&
		    sameLogFilters(f, this.desiredLogFilters))
			return true;
		this.desiredLogFilters = f;
		const keys = this.model.setLogFilters(f);
		/* entries in flight under the old filters are dropped until the
		 * edge confirms; logMatches() keeps the list consistent meanwhile */
		this.state.logsSubscribed = this.state.logsSubscribed && this.ws !== null;
		this.state.logFiltersConfirmed = false;
		const sent = this.send({ type: 'subscribe_logs', filters: f });
		this.changed([...keys, 'logFiltersConfirmed']);
		return sent;
	}

	unsubscribeLogs() {
		this.desiredLogFilters = null;
		this.state.logFiltersConfirmed = false;
		this.changed([...this.model.setLogFilters(null), 'logFiltersConfirmed']);
		return this.send({ type: 'unsubscribe_logs' });
	}

	sendHardwareHealth(component, status, details = {}) {
		return this.send({ type: 'hardware_health_update',
			data: { component, status, details } });
	}

	clearLogs() {
		this.state.logs = [];
		this.changed(['logs']);
	}
}

function detach(ws) {
	ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
}

let shared = null;

/*
 * The page's one client.  The first call creates it with `options` (and
 * connects unless autoConnect is false); later calls return the same
 * instance and ignore their options.
 */
export function getFlowhubClient(options = {}) {
	if (!shared) {
		shared = new FlowhubClient(options);
		if (shared.options.autoConnect)
			shared.connect();
	}
	return shared;
}

/* Forget the shared instance (closing it); for tests and hot reload. */
export function resetFlowhubClient() {
	if (shared)
		shared.destroy();
	shared = null;
}

export default getFlowhubClient;
