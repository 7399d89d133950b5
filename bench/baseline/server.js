'use strict';
/*
 * The baseline: the design flowhub replaces, as its users run it.  One
 * Node.js process holds the execution state, an HTTP server with the
 * current-execution endpoint and a `ws` WebSocketServer on /ws/flow, and a
 * WebSocketManager singleton that JSON.stringify's each event and sends
 * it to every connected client in a loop.  Events come in as JSON lines on
 * stdin, the same lines flowhub-emit reads (in the original they came from
 * the interpreter in the same process).
 *
 * Kept faithful on purpose: no batching, no per-client queues or limits,
 * no worker threads, per-broadcast debug logging as in the original.  Two
 * additions so the same load tool can measure both systems: every event
 * message carries a `seq` (as flowhub's do; one counter, logs included)
 * and the state carries the seq of the last event applied to it.
 *
 *   node server.js [--port N] [--host ADDR] [--recent N] [-v]
 */
const http = require('http');
const readline = require('readline');
const { WebSocketServer, WebSocket } = require('ws');

const args = process.argv.slice(2);
function opt(name, def) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
}
const PORT = parseInt(opt('--port', process.env.PORT || '5000'), 10);
const HOST = opt('--host', '127.0.0.1');
const RECENT = parseInt(opt('--recent', '20'), 10);
const VERBOSE = args.includes('-v');

const logger = {
  info: (...a) => console.error('info:', ...a),
  warn: (...a) => console.error('warn:', ...a),
  error: (...a) => console.error('error:', ...a),
  debug: (...a) => { if (VERBOSE) console.error('debug:', ...a); },
};

/* ---- execution state (what initial_execution_state carries) ---------- */

function iso(ts) {
  if (typeof ts === 'number') return new Date(ts).toISOString();
  if (typeof ts === 'string') {
    const d = new Date(ts);
    if (!isNaN(d.getTime())) return d.toISOString();
  }
  return new Date().toISOString();
}

const state = {
  seq: 0,
  active: new Map(),
  recent: [],
  executionContext: {
    sessionId: null, programId: null, programName: null, status: 'idle',
    startTime: null, endTime: null,
    blocksStarted: 0, blocksCompleted: 0, blocksFailed: 0,
  },
  hardware: {},
};

function snapshot() {
  return {
    seq: state.seq,
    active: Array.from(state.active.values()),
    recent: state.recent,
    executionContext: state.executionContext,
    hardware: state.hardware,
  };
}

function pushRecent(block) {
  state.recent.unshift(block);
  if (state.recent.length > RECENT) state.recent.length = RECENT;
}

/* ---- WebSocketManager (singleton) ------------------------------------- */

class WebSocketManager {
  static getInstance() {
    if (!WebSocketManager.instance) WebSocketManager.instance = new WebSocketManager();
    return WebSocketManager.instance;
  }

  constructor() {
    this.clients = new Map(); // ws -> { clientId, name, page, logFilters }
    this.nextId = 0;
  }

  addClient(ws, addr) {
    this.clients.set(ws, { clientId: null, name: null, page: null, logFilters: null });
    logger.info(`WebSocket client connected from ${addr}`);
    this.sendToSpecificClient(ws, {
      type: 'initial_execution_state',
      timestamp: new Date().toISOString(),
      data: snapshot(),
    });
  }

  removeClient(ws) {
    const c = this.clients.get(ws);
    this.clients.delete(ws);
    logger.info(`Frontend disconnected: ${c && c.clientId} (Total: ${this.clients.size})`);
  }

  identify(ws, info) {
    const c = this.clients.get(ws);
    if (!c) return;
    c.clientId = `frontend_${Date.now()}_${++this.nextId}`;
    c.name = info && info.name;
    c.page = info && info.page;
    logger.info(`Frontend connected: ${c.clientId} (Total: ${this.clients.size})`);
    this.sendToSpecificClient(ws, {
      type: 'client_identified',
      data: { clientId: c.clientId, name: c.name, page: c.page },
    });
  }

  sendToSpecificClient(ws, message) {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  broadcast(message) {
    const text = JSON.stringify(message);
    logger.debug(`Broadcasting event: ${message.type} to ${this.clients.size} clients`);
    let success = 0;
    let failed = 0;
    this.clients.forEach((_c, ws) => {
      if (ws.readyState === WebSocket.OPEN) {
        try {
          ws.send(text);
          success++;
        } catch (err) {
          failed++;
          logger.error('WebSocket error for client', err.message);
        }
      }
    });
    logger.debug(`Event sent: ${success} success, ${failed} failed`);
  }

  sendLog(message) {
    const text = JSON.stringify(message);
    const e = message.data;
    this.clients.forEach((c, ws) => {
      const f = c.logFilters;
      if (!f || ws.readyState !== WebSocket.OPEN) return;
      if (Array.isArray(f.level) && !f.level.includes(e.level)) return;
      if (f.tag && f.tag !== e.tag) return;
      if (f.module && f.module !== e.module) return;
      try {
        ws.send(text);
      } catch (err) {
        logger.error('Failed to send log entry to WebSocket client', err.message);
      }
    });
  }
}

const manager = WebSocketManager.getInstance();

function emit(type, data, ts) {
  state.seq += 1;
  const message = { type, seq: state.seq, timestamp: new Date().toISOString(), data };
  if (type === 'log_entry') manager.sendLog(message);
  else manager.broadcast(message);
}

/* ---- interpreter events (JSON lines on stdin) -------------------------- */

function applyEvent(ev) {
  const t = iso(ev.ts);
  const ctx = state.executionContext;
  switch (ev.event) {
    case 'execution_started':
      state.active.clear();
      state.recent = [];
      state.executionContext = {
        sessionId: ev.sessionId, programId: ev.programId || null,
        programName: ev.programName || null, status: 'running',
        startTime: t, endTime: null,
        blocksStarted: 0, blocksCompleted: 0, blocksFailed: 0,
      };
      emit('execution_started', {
        sessionId: ev.sessionId, programId: ev.programId, programName: ev.programName,
        meta: ev.meta || {}, startTime: t,
      });
      break;
    case 'block_started': {
      const block = {
        blockId: ev.blockId, blockType: ev.blockType, blockName: ev.blockName || null,
        displayText: ev.displayText || null, status: 'running',
        timing: { startTime: t, endTime: null, durationMs: null }, result: null, error: null,
      };
      state.active.set(ev.blockId, block);
      ctx.blocksStarted++;
      emit('block_started_enhanced', {
        blockId: block.blockId, blockType: block.blockType, blockName: block.blockName,
        displayText: block.displayText, params: ev.params || {}, timing: { startTime: t },
      });
      break;
    }
    case 'block_executed': {
      let block = state.active.get(ev.blockId);
      state.active.delete(ev.blockId);
      if (!block) {
        block = { blockId: ev.blockId, blockType: null, blockName: null, displayText: null,
          timing: { startTime: null } };
      }
      const start = block.timing.startTime;
      const done = {
        blockId: block.blockId, blockType: block.blockType, blockName: block.blockName,
        displayText: block.displayText, status: ev.status,
        timing: { startTime: start, endTime: t,
          durationMs: start ? Date.parse(t) - Date.parse(start) : null },
        result: ev.result === undefined ? null : ev.result, error: ev.error || null,
      };
      pushRecent(done);
      if (ev.status === 'failed') ctx.blocksFailed++;
      else if (ev.status === 'completed') ctx.blocksCompleted++;
      emit('block_executed_enhanced', {
        blockId: done.blockId, blockType: done.blockType, blockName: done.blockName,
        status: done.status, timing: done.timing, result: done.result, error: done.error,
      });
      break;
    }
    case 'log':
      emit('log_entry', {
        level: ev.level, tag: ev.tag || null, module: ev.module || null,
        message: ev.message, data: Object.assign({}, ev.data || {}, { timestamp: t }),
        timestamp: t,
      });
      break;
    case 'hardware_health':
      state.hardware[ev.component] = { status: ev.status, details: ev.details || {}, timestamp: t };
      emit('hardware_health_update', {
        component: ev.component, status: ev.status, details: ev.details || {}, timestamp: t,
      });
      break;
    case 'execution_finished':
      for (const b of state.active.values()) {
        pushRecent(Object.assign({}, b, { status: 'cancelled',
          timing: { startTime: b.timing.startTime, endTime: t,
            durationMs: Date.parse(t) - Date.parse(b.timing.startTime) } }));
      }
      state.active.clear();
      ctx.status = ev.status;
      ctx.endTime = t;
      emit('execution_finished', {
        status: ev.status, summary: ev.summary || {}, startTime: ctx.startTime, endTime: t,
        blocksStarted: ctx.blocksStarted, blocksCompleted: ctx.blocksCompleted,
        blocksFailed: ctx.blocksFailed,
      });
      break;
    default:
      throw new Error(`unknown event ${ev.event}`);
  }
}

let lineNo = 0;
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  lineNo++;
  if (!line.trim()) return;
  try {
    applyEvent(JSON.parse(line));
  } catch (err) {
    logger.warn(`line ${lineNo}: ${err.message}`);
  }
});

/* ---- HTTP + WebSocket server ------------------------------------------- */

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/api/v1/execution-sessions/current-execution') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ success: true, data: snapshot() }));
    return;
  }
  res.writeHead(404, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ success: false, error: 'not_found' }));
});

const wss = new WebSocketServer({ server, path: '/ws/flow' });

async function handleClientMessage(ws, message) {
  switch (message.type) {
    case 'identify_client':
      manager.identify(ws, message.clientInfo);
      break;
    case 'ping':
      manager.sendToSpecificClient(ws, { type: 'pong', timestamp: new Date().toISOString() });
      break;
    case 'request_initial_state':
      try {
        const response = await fetch(`http://127.0.0.1:${PORT}/api/v1/execution-sessions/current-execution`);
        const data = await response.json();
        manager.sendToSpecificClient(ws, {
          type: 'initial_execution_state',
          timestamp: new Date().toISOString(),
          data: data.success ? data.data : null,
        });
      } catch (err) {
        logger.error('request_initial_state failed', err.message);
      }
      break;
    case 'subscribe_logs': {
      const c = manager.clients.get(ws);
      if (c) c.logFilters = message.filters || {};
      manager.sendToSpecificClient(ws, { type: 'logs_subscribed', data: { filters: message.filters || {} } });
      break;
    }
    case 'unsubscribe_logs': {
      const c = manager.clients.get(ws);
      if (c) c.logFilters = null;
      manager.sendToSpecificClient(ws, { type: 'logs_unsubscribed' });
      break;
    }
    case 'hardware_health_update': {
      const d = message.data || {};
      applyEvent({ event: 'hardware_health', component: d.component, status: d.status, details: d.details });
      break;
    }
    default:
      manager.sendToSpecificClient(ws, { type: 'error', error: { code: 'unknown_type', message: `unknown type ${message.type}` } });
  }
}

wss.on('connection', (ws, req) => {
  manager.addClient(ws, req.socket.remoteAddress);
  ws.on('message', (raw) => {
    let message;
    try {
      message = JSON.parse(raw.toString());
    } catch (err) {
      manager.sendToSpecificClient(ws, { type: 'error', error: { code: 'invalid_json', message: err.message } });
      return;
    }
    handleClientMessage(ws, message).catch((err) => logger.error(err.message));
  });
  ws.on('close', () => manager.removeClient(ws));
  ws.on('error', (err) => logger.error('WebSocket error for client', err.message));
});

server.listen(PORT, HOST, () => logger.info(`baseline listening on ${HOST}:${PORT}/ws/flow`));

process.on('SIGTERM', () => {
  wss.clients.forEach((ws) => ws.close(1001, 'going away'));
  server.close();
  setTimeout(() => process.exit(0), 200).unref();
});
