import { describe, expect, it } from "vitest"
import { restartLoss } from "./client"

describe("what a restart of Redis would lose", () => {
  it("given the append-only file on, then nothing", () => {
    expect(restartLoss({ appendonly: "yes", save: "" })).toBeUndefined()
  })

  it("given snapshots only, then every write since the last one", () => {
    expect(restartLoss({ appendonly: "no", save: "3600 1 300 100" })).toBe(
      `every write since the last snapshot: appendonly is off (save "3600 1 300 100")`
    )
  })

  it("given neither, then everything", () => {
    expect(restartLoss({ appendonly: "no", save: " " })).toBe("everything: appendonly is off and no snapshots are saved")
  })
})
