/** Where each port keeps its data in Redis, under one prefix. Hash fields and members are documented at use. */
export const keysOf = (prefix: string) => ({
  /** Hash: `v` the stream's version, `sv`/`st` its state snapshot's version and encoded state. */
  stream: (stream: string) => `${prefix}stream:${stream}`,
  /** Hash: key → owner. */
  unique: (index: string) => `${prefix}unique:${index}`,
  /** Hash: commandId → {fingerprint, targets}. */
  accepted: (entity: string) => `${prefix}accepted:${entity}`,
  /** Hash: commandId → `<first position>|<events JSON>` until the events are published. */
  outbox: (entity: string) => `${prefix}outbox:${entity}`,
  /**
   * String: present while the handlers' state in Redis holds everything the events topics say (set once it was
   * caught up from them); a Redis restarted empty or flushed lacks it, and no command is decided until it is back.
   */
  stateFromLog: `${prefix}state-from-log`,
  /** String: the token of the catch-up under way, which the mark is set from only if it is still there. */
  catchingUp: `${prefix}state-catching-up`,
  /**
   * Hash: `<topic>/<partition>` → `<memberId>#<epoch>`, the member of the consumer group `group` that owns the
   * partition now (written by the group's leader as it assigns, see fence.ts). A handler's writes for a partition
   * check it, so a member that lost the partition writes nothing more for it.
   */
  owners: (group: string) => `${prefix}owners:${group}`,
  /** Integer (INCR): the last epoch given to an owner of a partition of `group`. */
  ownersEpoch: (group: string) => `${prefix}owners-epoch:${group}`,
  /** Integer (INCRBY): the last position given to an event. */
  position: `${prefix}position`,
  /** Hash: `#v` the version of the last event applied, every other field a JSON-encoded value of the document. */
  doc: (view: string, key: string) => `${prefix}doc:${view}:${key}`,
  /** Sorted set: score the item's order, member `<order>|<item JSON>`. */
  items: (view: string, key: string) => `${prefix}items:${view}:${key}`,
  /** Hash: `<topic>/<partition>` → the offset of the last event of that partition the read models hold. */
  projectedOffsets: `${prefix}offsets:projected`,
  /** Hash: `<topic>/<partition>` → the offset the read models are being rebuilt up to, while they are. */
  rebuilding: `${prefix}offsets:rebuilding`,
  /** Hash: stream → the highest version the projectors of a channel have applied. */
  projected: (channel: string) => `${prefix}projected:${channel}`,
  /** String with a TTL: the outcome of one delivery of a command. */
  reply: (attempt: string) => `${prefix}reply:${attempt}`,
  /** Pub/sub: one instance's replies. */
  replies: (instance: string) => `${prefix}replies:${instance}`,
  /** Pub/sub: `{channel, marks}` whenever projectors applied events. */
  projectedChannel: `${prefix}projected`
})

export type Keys = ReturnType<typeof keysOf>

/** The version field of a document hash; not a GraphQL name, so it cannot clash with a document field. */
export const versionField = "#v"
