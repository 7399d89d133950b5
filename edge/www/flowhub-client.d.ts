/*
 * Types for flowhub-client.js and for every message of the flowhub
 * WebSocket protocol (/ws/flow): client -> server, server -> client and
 * the execution state they carry.
 */

/* ---------- shared values ---------- */

/** ISO-8601 UTC time with milliseconds, e.g. "2025-09-18T19:21:00.007Z". */
export type IsoTime = string;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type BlockStatus = 'running' | 'completed' | 'failed' | 'skipped' | 'cancelled';
export type ExecutedStatus = 'completed' | 'failed' | 'skipped' | 'cancelled';
export type ExecutionStatus = 'idle' | 'running' | 'completed' | 'failed' | 'stopped';
export type FinishStatus = 'completed' | 'failed' | 'stopped';
export type HardwareStatus = 'ok' | 'degraded' | 'fault' | 'offline';
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface BlockTiming {
	startTime: IsoTime | null;
	endTime: IsoTime | null;
	durationMs: number | null;
}

/** A block of the execution state (active or recent). */
export interface Block {
	blockId: string;
	blockType: string;
	blockName: string | null;
	displayText: string | null;
	status: BlockStatus;
	timing: BlockTiming;
	result: JsonValue;
	error: string | null;
}

export interface ExecutionContext {
	sessionId: string | null;
	programId: string | null;
	programName: string | null;
	status: ExecutionStatus;
	startTime: IsoTime | null;
	endTime: IsoTime | null;
	blocksStarted: number;
	blocksCompleted: number;
	blocksFailed: number;
	[extra: string]: unknown;
}

export interface HardwareHealth {
	status: HardwareStatus;
	details: JsonObject;
	timestamp: IsoTime | null;
}

/** The state carried by initial_execution_state. */
export interface ExecutionState {
	/** seq of the last event applied to this state (0 before any). */
	seq: number;
	/** started, not yet executed; oldest first */
	active: Block[];
	/** last N executed, newest first */
	recent: Block[];
	executionContext: ExecutionContext;
	hardware: { [component: string]: HardwareHealth };
}

export interface LogFilters {
	level?: LogLevel[];
	tag?: string;
	module?: string;
}

/** What subscribeLogs() accepts: it normalizes to LogFilters. */
export interface LogFiltersInput {
	level?: readonly string[];
	tag?: string | null;
	module?: string | null;
}

/* ---------- client -> server ---------- */

export interface IdentifyClientMessage {
	type: 'identify_client';
	clientInfo: { name: string; page: string };
}
export interface PingMessage { type: 'ping' }
export interface RequestInitialStateMessage { type: 'request_initial_state' }
export interface SubscribeLogsMessage { type: 'subscribe_logs'; filters: LogFilters }
export interface UnsubscribeLogsMessage { type: 'unsubscribe_logs' }
export interface HardwareHealthUpdateRequest {
	type: 'hardware_health_update';
	data: { component: string; status: HardwareStatus; details?: JsonObject };
}
export interface ResumeMessage { type: 'resume'; since: number }

export type ClientMessage =
	| IdentifyClientMessage
	| PingMessage
	| RequestInitialStateMessage
	| SubscribeLogsMessage
	| UnsubscribeLogsMessage
	| HardwareHealthUpdateRequest
	| ResumeMessage;

/* ---------- server -> client: replies ---------- */

export interface ClientIdentifiedMessage {
	type: 'client_identified';
	timestamp?: IsoTime;
	/** clientId starts with "frontend_" and is unique across edges */
	data: { clientId: string; name: string; page: string };
}
export interface PongMessage { type: 'pong'; timestamp: IsoTime }
export interface InitialExecutionStateMessage {
	type: 'initial_execution_state';
	timestamp: IsoTime;
	data: ExecutionState;
}
export interface LogsSubscribedMessage {
	type: 'logs_subscribed';
	timestamp?: IsoTime;
	data: { filters: LogFilters };
}
export interface LogsUnsubscribedMessage { type: 'logs_unsubscribed'; timestamp?: IsoTime }

export type ErrorCode =
	| 'invalid_json'
	| 'invalid_message'
	| 'unknown_type'
	| 'invalid_field'
	| 'rate_limited'
	| 'forbidden'
	| (string & {});

export interface ErrorMessage {
	type: 'error';
	error: { code: ErrorCode; message: string; field?: string };
}

/* ---------- server -> client: events (all carry seq and timestamp) ---------- */

interface EventBase<T extends string, D> {
	type: T;
	seq: number;
	/** when the edge sent it */
	timestamp: IsoTime;
	data: D;
}

export type ExecutionStartedMessage = EventBase<'execution_started', {
	sessionId: string;
	programId?: string | null;
	programName?: string | null;
	meta?: JsonObject;
	startTime?: IsoTime;
	[extra: string]: unknown;
}>;

export type BlockStartedEnhancedMessage = EventBase<'block_started_enhanced', {
	blockId: string;
	blockType: string;
	blockName?: string | null;
	displayText?: string | null;
	timing: { startTime: IsoTime };
	params?: JsonObject;
}>;

export type BlockExecutedEnhancedMessage = EventBase<'block_executed_enhanced', {
	blockId: string;
	blockType?: string;
	blockName?: string | null;
	status: ExecutedStatus;
	timing: { startTime?: IsoTime | null; endTime: IsoTime; durationMs?: number | null };
	result?: JsonValue;
	error?: string | null;
}>;

export type ExecutionFinishedMessage = EventBase<'execution_finished', {
	status: FinishStatus;
	summary?: JsonObject;
	endTime?: IsoTime;
	[extra: string]: unknown;
}>;

export type LogEntryMessage = EventBase<'log_entry', {
	level: LogLevel;
	tag: string | null;
	module: string | null;
	message: string;
	data: JsonObject | null;
	timestamp: IsoTime;
}>;

export type HardwareHealthUpdateMessage = EventBase<'hardware_health_update', {
	component: string;
	status: HardwareStatus;
	details: JsonObject;
	timestamp?: IsoTime;
}>;

export type GapMessage = EventBase<'gap', { lost: number; reason: 'ring_overflow' | (string & {}) }>;

export type EventMessage =
	| ExecutionStartedMessage
	| BlockStartedEnhancedMessage
	| BlockExecutedEnhancedMessage
	| ExecutionFinishedMessage
	| LogEntryMessage
	| HardwareHealthUpdateMessage
	| GapMessage;

export type ServerMessage =
	| ClientIdentifiedMessage
	| PongMessage
	| InitialExecutionStateMessage
	| LogsSubscribedMessage
	| LogsUnsubscribedMessage
	| ErrorMessage
	| EventMessage;

/* ---------- the client module ---------- */

export declare const CLIENT_VERSION: string;
export declare const LOG_LEVELS: readonly LogLevel[];
export declare const EVENT_TYPES: readonly EventMessage['type'][];

export interface WebSocketLike {
	readonly readyState: number;
	send(data: string): void;
	close(code?: number, reason?: string): void;
	onopen: ((ev: unknown) => void) | null;
	onmessage: ((ev: { data: unknown }) => void) | null;
	onclose: ((ev: { code: number; reason: string }) => void) | null;
	onerror: ((ev: unknown) => void) | null;
}

export interface FlowhubClientOptions {
	/** ws(s):// URL or path; default /ws/flow of the page's origin */
	url?: string | null;
	/** sent as ?token= on the upgrade */
	token?: string | null;
	/** identify_client clientInfo.name (default "FlowhubDashboard") */
	name?: string;
	/** identify_client clientInfo.page (default "dashboard") */
	page?: string;
	/** getFlowhubClient() connects at once (default true) */
	autoConnect?: boolean;
	/** application ping period (default 5000) */
	pingIntervalMs?: number;
	/** unanswered pings before the socket is dropped (default 2) */
	maxMissedPongs?: number;
	/** first reconnect delay (default 500) */
	backoffBaseMs?: number;
	/** largest nominal reconnect delay (default 30000) */
	backoffMaxMs?: number;
	/** relative jitter, 0.3 = +-30 % (default 0.3) */
	backoffJitter?: number;
	/** how a reconnect resumes: 'url' (default) opens /ws/flow?since=lastSeq&logs=filters
	 *  and gets no greeting; 'inband' sends {"type":"resume"} after the greeting
	 *  (edges that predate the URL parameters) */
	resumeMode?: 'url' | 'inband';
	/** how long a held-back greeting waits for the in-band resume replay (default 2000) */
	resumeTimeoutMs?: number;
	/** request the state when none arrived this long after connecting (default 3000) */
	greetingTimeoutMs?: number;
	/** actionHistory length (default 4) */
	historySize?: number;
	/** recent blocks kept (default 20) */
	recentLimit?: number;
	/** log entries kept (default 200) */
	logLimit?: number;
	WebSocket?: new (url: string) => WebSocketLike;
	random?: () => number;
	now?: () => number;
	window?: { addEventListener(t: string, f: () => void): void; removeEventListener(t: string, f: () => void): void } | null;
	navigator?: { onLine: boolean } | null;
	location?: { href: string } | null;
}

/** An entry of actionHistory (the original store's shape plus outcome fields). */
export interface Action {
	type: string;
	text: string;
	timestamp: Date;
	blockId: string;
	blockName: string | null;
	/** null while running; true for completed/skipped; false for failed/cancelled */
	success: boolean | null;
	isStarted: boolean;
	status: BlockStatus;
	durationMs: number | null;
	endTime: Date | null;
	error: string | null;
	result?: JsonValue;
}

export interface LogEntry {
	seq: number | null;
	level: LogLevel;
	tag: string | null;
	module: string | null;
	message: string;
	data: JsonObject | null;
	timestamp: IsoTime | null;
}

export type ConnectionStatus = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'offline';

export interface ClientState {
	wsConnected: boolean;
	wsReconnecting: boolean;
	connectionStatus: ConnectionStatus;
	/** last measured ping round trip */
	rttMs: number | null;
	reconnectAttempt: number;
	nextRetryMs: number | null;
	clientId: string | null;
	/** false after the edge sent a state of null (it has no hub link); null before any state */
	hubAvailable: boolean | null;
	/** seq of the last event applied (or of the snapshot taken) */
	lastSeq: number;
	haveState: boolean;
	executionContext: ExecutionContext;
	activeBlocks: Block[];
	recentBlocks: Block[];
	/** last 4 started blocks, newest first */
	actionHistory: Action[];
	hardware: { [component: string]: HardwareHealth };
	/** newest first, bounded by logLimit, only entries matching logFilters */
	logs: LogEntry[];
	logFilters: LogFilters | null;
	/** the edge sends this client logs */
	logsSubscribed: boolean;
	/** the edge has confirmed the filters now in force (logs matching them arrive from here on) */
	logFiltersConfirmed: boolean;
	stats: { duplicates: number; gaps: number; lost: number; snapshots: number; resumes: number };
	lastError: ErrorMessage['error'] | null;
	lastClose: { code: number | null; reason: string } | null;
}

export type StateKey = keyof ClientState;

export declare const DEFAULT_OPTIONS: Readonly<Required<FlowhubClientOptions>>;

export declare function backoffDelay(attempt: number, opts?: FlowhubClientOptions): number;
/** The resume point a reconnect puts on the URL (?since=&logs=). */
export interface UrlResume { since: number; logs?: LogFilters | null }
export declare function buildUrl(url: string | null | undefined, token: string | null | undefined,
	location: { href: string } | null | undefined, resume?: UrlResume | null): string;
export declare function normalizeLogFilters(filters: unknown): LogFilters;
export declare function sameLogFilters(a: LogFilters | null | undefined, b: LogFilters | null | undefined): boolean;
export declare function logMatches(filters: LogFilters | null, entry: Pick<LogEntry, 'level' | 'tag' | 'module'>): boolean;
export declare function successOf(status: string): boolean | null;
export declare function formatBlockText(data: Partial<Block>): string;
export declare function actionFromStarted(data: BlockStartedEnhancedMessage['data'], now?: () => number): Action;
export declare function applyExecutedToHistory(history: Action[], data: BlockExecutedEnhancedMessage['data']): Action[];
export declare function actionFromBlock(block: Block): Action;
export declare function historyFromSnapshot(active: Block[], recent: Block[], max?: number): Action[];
export declare function createState(): ClientState;

/** The pure state machine: no I/O, no timers. */
export declare class FlowModel {
	constructor(opts?: FlowhubClientOptions);
	state: ClientState;
	readonly resuming: boolean;
	/** a connection opened; true when the client should send resume */
	connectionOpened(): boolean;
	/** a connection opened with ?since=lastSeq: no greeting comes */
	connectionResumed(): void;
	resumeTimedOut(): StateKey[];
	setLogFilters(filters: LogFilters | null): StateKey[];
	/** apply one server message; the state keys it changed */
	handle(msg: ServerMessage | unknown): StateKey[];
}

export interface FlowhubClientEvents {
	state: (state: ClientState, changed: StateKey[]) => void;
	status: (state: ClientState) => void;
	message: (msg: ServerMessage) => void;
	error: (error: ErrorMessage['error']) => void;
}

export declare class FlowhubClient {
	constructor(options?: FlowhubClientOptions);
	readonly options: Required<FlowhubClientOptions>;
	readonly state: ClientState;
	readonly model: FlowModel;
	on<E extends keyof FlowhubClientEvents>(event: E, cb: FlowhubClientEvents[E]): () => void;
	off<E extends keyof FlowhubClientEvents>(event: E, cb: FlowhubClientEvents[E]): void;
	connect(): this;
	close(): void;
	destroy(): void;
	url(): string;
	send(msg: ClientMessage): boolean;
	requestInitialState(): boolean;
	/** unknown levels and empty strings are dropped before sending */
	subscribeLogs(filters?: LogFiltersInput): boolean;
	unsubscribeLogs(): boolean;
	sendHardwareHealth(component: string, status: HardwareStatus, details?: JsonObject): boolean;
	clearLogs(): void;
}

/** The page's one shared client (created and connected on first call). */
export declare function getFlowhubClient(options?: FlowhubClientOptions): FlowhubClient;
export declare function resetFlowhubClient(): void;
export default getFlowhubClient;
