import { describe, expect, it } from "@effect/vitest"
import { View } from "@low/functions"
import { docsChangedBy, makeDocWatch } from "./views"

describe("makeDocWatch", () => {
  it("given interest in a document, when it changes, then it is told once; a change of another document tells nothing", () => {
    const watch = makeDocWatch()
    const told: Array<string> = []
    watch.onChange("transfers", "t1", () => told.push("t1"))
    watch.changed("transfers", "t2")
    watch.changed("wallets", "t1")
    expect(told).toEqual([])
    watch.changed("transfers", "t1")
    watch.changed("transfers", "t1")
    expect(told).toEqual(["t1"])
    expect(watch.waiting()).toBe(false)
  })

  it("given interest in two documents, when a writer does not say which documents it changed, then both are told", () => {
    const watch = makeDocWatch()
    const told: Array<string> = []
    watch.onChange("transfers", "t1", () => told.push("t1"))
    watch.onChange("wallets", "w1", () => told.push("w1"))
    watch.documentsChanged(undefined)
    expect(told.sort()).toEqual(["t1", "w1"])
    expect(watch.waiting()).toBe(false)
  })

  it("given interest withdrawn, when the document changes, then it is not told and no one waits", () => {
    const watch = makeDocWatch()
    const told: Array<string> = []
    const withdraw = watch.onChange("transfers", "t1", () => told.push("first"))
    watch.onChange("transfers", "t1", () => told.push("second"))
    withdraw()
    expect(watch.waiting()).toBe(true)
    watch.changed("transfers", "t1")
    expect(told).toEqual(["second"])
    expect(watch.waiting()).toBe(false)
  })

  it("given view changes, when their documents are asked for, then each document once, and no collection", () => {
    const changes = [
      View.put("wallets", "a", {}),
      View.patch("wallets", "a", {}),
      View.add("transactions", "a", 1, {}),
      View.patch("transfers", "t", {})
    ]
    expect(docsChangedBy(changes)).toStrictEqual([
      ["wallets", "a"],
      ["transfers", "t"]
    ])
  })
})
