import type { ViewChange } from "@low/functions"
import { versionField, type Keys } from "./keys"

/**
 * The arguments of one script call. Keys are passed as KEYS and referred to by index from ARGV, so every key a
 * script touches is declared, as Redis asks of scripts.
 */
export class ScriptArgs {
  readonly keys: Array<string> = []
  readonly args: Array<string> = []
  private readonly index = new Map<string, string>()

  /** The KEYS index of `key`, declaring it on first use. */
  key(key: string): string {
    let at = this.index.get(key)
    if (at === undefined) {
      this.keys.push(key)
      this.index.set(key, (at = String(this.keys.length)))
    }
    return at
  }

  push(...values: ReadonlyArray<string | number>): this {
    for (const value of values) this.args.push(String(value))
    return this
  }
}

/** Encodes view changes for `applyViews`: Put/Patch carry the event's version, Add its order. */
export const pushChanges = (args: ScriptArgs, keys: Keys, changes: ReadonlyArray<ViewChange>, version: number) => {
  for (const change of changes) {
    if (change._tag === "Add") {
      args.push("A", args.key(keys.items(change.view, change.key)), change.order, `${change.order}|${JSON.stringify(change.item)}`)
      continue
    }
    // JSON has no undefined: a field set to undefined is a field not stored, as a read of it would show.
    const fields = Object.entries(change._tag === "Put" ? change.doc : change.fields).filter(([, v]) => v !== undefined)
    args.push(change._tag === "Put" ? "P" : "M", args.key(keys.doc(change.view, change.key)), version, fields.length)
    for (const [field, value] of fields) args.push(field, JSON.stringify(value))
  }
}

/** Raises the version recorded for `field` of the hash at `key` (never lowers it). */
export const pushMark = (args: ScriptArgs, key: string, field: string, version: number) => args.push("W", args.key(key), field, version)

/** Publishes `message` on `channel` once the writes before it are done. */
export const pushPublish = (args: ScriptArgs, channel: string, message: string) => args.push("B", channel, message)

/**
 * Applies encoded view changes from ARGV[i] on, with the rule of `nextDoc` in views.ts: Put and Patch only for an
 * event newer than the document, Add only when the collection has no item of that order.
 */
const applyViews = `
local function apply_views(i)
  while i <= #ARGV do
    local op = ARGV[i]
    if op == 'P' or op == 'M' then
      local key, version, n = KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2], tonumber(ARGV[i + 3])
      local current = redis.call('HGET', key, '${versionField}')
      if (not current) or tonumber(current) < tonumber(version) then
        if op == 'P' then redis.call('DEL', key) end
        redis.call('HSET', key, '${versionField}', version, unpack(ARGV, i + 4, i + 3 + 2 * n))
      end
      i = i + 4 + 2 * n
    elseif op == 'A' then
      local key, order = KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2]
      if redis.call('ZCOUNT', key, order, order) == 0 then redis.call('ZADD', key, order, ARGV[i + 3]) end
      i = i + 4
    elseif op == 'W' then
      local key, field, version = KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2], ARGV[i + 3]
      local current = redis.call('HGET', key, field)
      if (not current) or tonumber(current) < tonumber(version) then redis.call('HSET', key, field, version) end
      i = i + 4
    elseif op == 'B' then
      redis.call('PUBLISH', ARGV[i + 1], ARGV[i + 2])
      i = i + 3
    else
      error('unknown view op ' .. tostring(op))
    end
  end
end
`

/**
 * Guards a projection (must be pushed first): it applies only if Redis holds the partition's offset (`field` of the
 * hash at `offsets`) up to `after` at least, and then raises it to `last` and ends the partition's rebuild (its field
 * of the hash at `rebuilding`) once `last` reaches the offset the rebuild aims for.
 */
export const pushGuard = (
  args: ScriptArgs,
  guard: { readonly offsets: string; readonly rebuilding: string; readonly field: string; readonly after: string; readonly last: string }
) => args.push("G", args.key(guard.offsets), guard.field, guard.after, guard.last, args.key(guard.rebuilding))

/**
 * Projects a batch of events: view changes, watermarks and a notification, all or nothing. Answers {'ok'}, or,
 * when a guard finds Redis behind the log (it lost writes: a restart, a flush, a failover), {'behind', offset held}
 * (-1: none) and writes nothing.
 */
export const projectScript = `${applyViews}
if ARGV[1] ~= 'G' then
  apply_views(1)
  return {'ok'}
end
local offsets, field, last, rebuilding = KEYS[tonumber(ARGV[2])], ARGV[3], tonumber(ARGV[5]), KEYS[tonumber(ARGV[6])]
local raw = redis.call('HGET', offsets, field) or '-1'
local held = tonumber(raw)
if held < tonumber(ARGV[4]) then return {'behind', raw} end
apply_views(7)
if held < last then redis.call('HSET', offsets, field, ARGV[5]) end
local target = redis.call('HGET', rebuilding, field)
if target and tonumber(target) <= last then redis.call('HDEL', rebuilding, field) end
return {'ok'}`

/**
 * Lua: whether the handlers' state mark (its key given) vouches for this Redis. The mark ends with the run id of the
 * Redis server it was set on; another server (this one restarted, from a snapshot or an append-only file, or a
 * replica promoted in its place) may lack the last writes while it holds the mark, so the mark is deleted there,
 * and the state is caught up from the log again.
 */
const markHolds = `
local function run_id() return string.match(redis.call('INFO', 'server'), 'run_id:(%w+)') end
local function mark_holds(key)
  local mark = redis.call('GET', key)
  if not mark then return false end
  if string.sub(mark, -40) == run_id() then return true end
  redis.call('DEL', key)
  return false
end`

/**
 * Lua: what refuses a write for a partition: nil while the owners hash (its key given) holds `token` for the
 * partition's `field`; 'fenced' when another member owns the partition now, 'unowned' when Redis lost who does.
 */
const fenceRefusal = `
local function fence_refusal(key, field, token)
  local owner = redis.call('HGET', key, field)
  if owner == token then return nil end
  return owner and 'fenced' or 'unowned'
end`

/**
 * Commits one command: every check first (the state is there whole, when the store asks; commandId not accepted on
 * the entity, each Append's expected version, each Claim's key free or already the owner's), then every write, the
 * outbox entry and the inline projections. ARGV: the key that says the state is whole (0: not asked), accepted
 * key, commandId, accepted value; the owners key (0: not fenced), the partition's field and the writer's token;
 * appends (n, then key/expected/next); claims (n, then key/field/owner); states (n,
 * then key/version/state); event count, position key, outbox key (0: none), outbox payload; view changes. Answers
 * {'behind'}, {'fenced'} (the partition has another owner), {'unowned'} (no owner is on record: Redis lost it),
 * {'conflict', reason} or {'ok', last position}.
 */
export const commitScript = `${applyViews}
${markHolds}
${fenceRefusal}
if ARGV[1] ~= '0' and not mark_holds(KEYS[tonumber(ARGV[1])]) then return {'behind'} end
if ARGV[5] ~= '0' then
  local refused = fence_refusal(KEYS[tonumber(ARGV[5])], ARGV[6], ARGV[7])
  if refused then return {refused} end
end
local acc = KEYS[tonumber(ARGV[2])]
if redis.call('HEXISTS', acc, ARGV[3]) == 1 then return {'conflict', 'commandId ' .. ARGV[3] .. ' accepted before'} end
local a0 = 8
local na = tonumber(ARGV[a0])
local c0 = a0 + 1 + 3 * na
local nc = tonumber(ARGV[c0])
local s0 = c0 + 1 + 3 * nc
local ns = tonumber(ARGV[s0])
local e0 = s0 + 1 + 3 * ns
for j = 0, na - 1 do
  local key = KEYS[tonumber(ARGV[a0 + 1 + 3 * j])]
  if tonumber(redis.call('HGET', key, 'v') or '0') ~= tonumber(ARGV[a0 + 2 + 3 * j]) then return {'conflict', key .. ' moved'} end
end
for j = 0, nc - 1 do
  local key, field = KEYS[tonumber(ARGV[c0 + 1 + 3 * j])], ARGV[c0 + 2 + 3 * j]
  local held = redis.call('HGET', key, field)
  if held and held ~= ARGV[c0 + 3 + 3 * j] then return {'conflict', key .. ' ' .. field .. ' taken'} end
end
for j = 0, na - 1 do redis.call('HSET', KEYS[tonumber(ARGV[a0 + 1 + 3 * j])], 'v', ARGV[a0 + 3 + 3 * j]) end
for j = 0, nc - 1 do redis.call('HSET', KEYS[tonumber(ARGV[c0 + 1 + 3 * j])], ARGV[c0 + 2 + 3 * j], ARGV[c0 + 3 + 3 * j]) end
for j = 0, ns - 1 do
  redis.call('HSET', KEYS[tonumber(ARGV[s0 + 1 + 3 * j])], 'sv', ARGV[s0 + 2 + 3 * j], 'st', ARGV[s0 + 3 + 3 * j])
end
redis.call('HSET', acc, ARGV[3], ARGV[4])
local n = tonumber(ARGV[e0])
local last = 0
if n > 0 then
  last = redis.call('INCRBY', KEYS[tonumber(ARGV[e0 + 1])], n)
  local outbox = tonumber(ARGV[e0 + 2])
  if outbox > 0 then redis.call('HSET', KEYS[outbox], ARGV[3], (last - n + 1) .. '|' .. ARGV[e0 + 3]) end
end
apply_views(e0 + 4)
return {'ok', tostring(last)}`

/**
 * Replays what the events topics say a handler wrote, raising only (a version, a state, a position is set only where
 * Redis holds an older one), so events read twice or out of order across partitions change nothing twice. ARGV[1]:
 * the key of the last position given; then, per event, 'E', its stream, version and position; and per commit record, 'C', the
 * entity's accepted hash, commandId and entry, the claims (n, then unique hash/key/owner) and the states (n, then
 * stream/version/state).
 */
export const replayScript = `
local position = KEYS[tonumber(ARGV[1])]
local i = 2
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'E' then
    local key, version, at = KEYS[tonumber(ARGV[i + 1])], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
    if tonumber(redis.call('HGET', key, 'v') or '0') < version then redis.call('HSET', key, 'v', version) end
    if tonumber(redis.call('GET', position) or '0') < at then redis.call('SET', position, at) end
    i = i + 4
  elseif op == 'C' then
    redis.call('HSET', KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2], ARGV[i + 3])
    local n = tonumber(ARGV[i + 4])
    i = i + 5
    for _ = 1, n do
      redis.call('HSETNX', KEYS[tonumber(ARGV[i])], ARGV[i + 1], ARGV[i + 2])
      i = i + 3
    end
    n = tonumber(ARGV[i])
    i = i + 1
    for _ = 1, n do
      local key, version = KEYS[tonumber(ARGV[i])], tonumber(ARGV[i + 1])
      if tonumber(redis.call('HGET', key, 'sv') or '0') < version then redis.call('HSET', key, 'sv', ARGV[i + 1], 'st', ARGV[i + 2]) end
      i = i + 3
    end
  else
    error('unknown replay op ' .. tostring(op))
  end
end
return 'ok'`

/**
 * Marks the handlers' state caught up from the log (KEYS[2] set to ARGV[1] and this server's run id), provided the
 * token the catch-up wrote before it began (KEYS[1]) is still ARGV[1]: a Redis that lost its data again meanwhile
 * lost the token too. Answers 1 when marked, 0 when not.
 */
export const markCaughtUpScript = `${markHolds}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[1] .. '|' .. run_id())
redis.call('DEL', KEYS[1])
return 1`

/**
 * Records who owns each partition of a consumer group, as its leader assigns them (KEYS[1] the owners hash, KEYS[2]
 * the last epoch given; ARGV pairs of field and memberId). A member that keeps a partition keeps its token; any
 * other owner gets `<memberId>#<epoch>` with an epoch never given before, so a member that lost a partition and got
 * it back holds a token its old writes do not have.
 */
export const assignOwnersScript = `
local epoch
for i = 1, #ARGV, 2 do
  local held = redis.call('HGET', KEYS[1], ARGV[i])
  if not held or string.sub(held, 1, #ARGV[i + 1] + 1) ~= ARGV[i + 1] .. '#' then
    epoch = epoch or redis.call('INCR', KEYS[2])
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1] .. '#' .. epoch)
  end
end
return 'ok'`

/** Whether the handlers' state mark (KEYS[1]) vouches for this Redis (see markHolds): 1 or 0. */
export const markHeldScript = `${markHolds}
return mark_holds(KEYS[1]) and 1 or 0`

/**
 * Checks that a batch may still go out: the handlers' state mark is `ARGV[1]` (KEYS[1]; '' not asked) and the
 * partition's owner (KEYS[2], field ARGV[2]) holds `ARGV[3]`. Answers 'ok', 'behind', 'fenced' or 'unowned'. Which
 * server the mark was set on is not asked again: each commit and each rejection kept of the batch asked it.
 */
export const guardScript = `${fenceRefusal}
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return 'behind' end
return fence_refusal(KEYS[2], ARGV[2], ARGV[3]) or 'ok'`

/**
 * Keeps replies and sends them, if the partition's owner (KEYS[1], field ARGV[1]) still holds ARGV[2] and the
 * handlers' state mark (KEYS[2]) is still ARGV[4], the one they were decided under. With '' for both, the replies
 * decide nothing (UNAVAILABLE): each is kept, and sent, only where no reply is kept yet, so it never hides a
 * decision. ARGV[3]: how long a reply is kept (ms); ARGV[5]: '1' to ask too that the mark was set on this very
 * server (see markHolds), as a rejection kept on its own must; then per reply its key's index (0: sent only, kept
 * before), the reply, the channel ('' kept only, sent later) and the message. Answers 'ok', 'behind', 'fenced' or 'unowned'
 * (nothing written).
 */
export const answerScript = `${markHolds}
${fenceRefusal}
if ARGV[4] ~= '' and (redis.call('GET', KEYS[2]) ~= ARGV[4] or (ARGV[5] == '1' and not mark_holds(KEYS[2]))) then return 'behind' end
if ARGV[2] ~= '' then
  local refused = fence_refusal(KEYS[1], ARGV[1], ARGV[2])
  if refused then return refused end
end
local decided = ARGV[2] ~= ''
for i = 6, #ARGV, 4 do
  local send = true
  if ARGV[i] ~= '0' then
    if decided then redis.call('SET', KEYS[tonumber(ARGV[i])], ARGV[i + 1], 'PX', ARGV[3])
    else send = redis.call('SET', KEYS[tonumber(ARGV[i])], ARGV[i + 1], 'PX', ARGV[3], 'NX') end
  end
  if send and ARGV[i + 2] ~= '' then redis.call('PUBLISH', ARGV[i + 2], ARGV[i + 3]) end
end
return 'ok'`
