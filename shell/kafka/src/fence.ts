import { Effect, Schedule } from "effect"
import kafkajs, { type PartitionAssigner } from "kafkajs"
import type { Redis } from "ioredis"
import { call, defineScript } from "./redis/client"
import type { Keys } from "./redis/keys"
import { assignOwnersScript } from "./redis/lua"
import type { Fence } from "./redis/store"
import { partitionKey } from "./consumer"

/**
 * Fencing a consumer group's members off the partitions they lost.
 *
 * kafkajs tells a member which partitions it has, not which generation of the group it has them in, so a member
 * paused past its session (a GC pause, SIGSTOP, a stuck call) goes on deciding for partitions that another member
 * owns by now. So the group's leader, as it assigns the partitions, records in Redis who owns each one: the
 * member's id and an epoch, a token no earlier owner holds (`assignOwnersScript`). Each member reads its tokens when
 * it joins, and every write a handler makes for a partition (a commit, the replies) is a script that checks the
 * partition's token first: a member that lost the partition writes nothing more for it, whatever it decided.
 *
 * The leader writes before it hands the assignment to the coordinator, so the owners are on record before any member
 * learns its partitions. A Redis that lost the record (restarted empty) fences everyone off, `unowned`; the member
 * that meets that asks the group to assign again (`RunningConsumer.rejoin`), which writes it anew.
 */

/** The partition assigner that records each partition's owner in Redis: round-robin, as kafkajs's own. */
export const fencedAssigner =
  (redis: Redis, keys: Keys): PartitionAssigner =>
  (config) => {
    const roundRobin = kafkajs.PartitionAssigners.roundRobin(config)
    const assignOwners = defineScript(redis, "lowAssignOwners", assignOwnersScript)
    return {
      name: "LowFencedRoundRobin",
      version: roundRobin.version,
      protocol: roundRobin.protocol,
      assign: async (group) => {
        const assignment = await roundRobin.assign(group)
        const owners: Array<string> = []
        for (const { memberId, memberAssignment } of assignment) {
          const decoded = kafkajs.AssignerProtocol.MemberAssignment.decode(memberAssignment)
          for (const [topic, partitions] of Object.entries(decoded?.assignment ?? {}))
            for (const partition of partitions) owners.push(partitionKey(topic, partition), memberId)
        }
        // A Redis that does not answer (tried a few times) fails the assignment, and kafkajs joins again: nobody
        // gets partitions it could not be fenced off from.
        if (owners.length > 0)
          await Effect.runPromise(
            assignOwners([keys.owners(config.groupId), keys.ownersEpoch(config.groupId)], owners).pipe(
              Effect.retry(Schedule.exponential("100 millis").pipe(Schedule.intersect(Schedule.recurs(4))))
            )
          )
        return assignment
      }
    }
  }

/**
 * The fences of the partitions `memberId` owns, as the leader recorded them. A partition recorded for another member
 * (the record is already newer than this join) gets `fenced`, one not recorded at all `unowned`: nothing is written
 * for either.
 */
export const fencesOf = (redis: Redis, keys: Keys, group: string, memberId: string, owned: ReadonlySet<string>) =>
  Effect.map(owned.size === 0 ? Effect.succeed([]) : call(() => redis.hmget(keys.owners(group), ...owned)), (tokens) => {
    const fences = new Map<string, Fence | "fenced" | "unowned">()
    ;[...owned].forEach((field, i) => {
      const token = tokens[i]
      fences.set(
        field,
        token == null ? "unowned" : token.startsWith(`${memberId}#`) ? { owners: keys.owners(group), field, token } : "fenced"
      )
    })
    return fences
  })
