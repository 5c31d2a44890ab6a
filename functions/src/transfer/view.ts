import { View, type Projector } from "../protocol"
import type { WalletEvent } from "../wallet/events"

/** Document view: one transfer by id, with its status. */
export const transfersView = "transfers"

/**
 * A transfer as its source wallet records it: requested with the debit, ended with the news of the credit or with
 * the refund. One stream feeds each document (the source's), as the shell's projections need. `endedVersion` is the
 * source's version that ended it and `credited` the destination's after the credit: what the wallets must show.
 */
export const transferProjector: Projector<WalletEvent> = {
  name: "transfers",
  reads: "wallet-events",
  project: ({ event, version, at }) => {
    switch (event._tag) {
      case "TransferSent":
        return [
          View.put(transfersView, event.transferId, {
            id: event.transferId,
            fromWalletId: event.walletId,
            toWalletId: event.toWalletId,
            amount: event.amount,
            status: "PENDING",
            failure: null,
            requestedAt: at,
            endedAt: null
          })
        ]
      case "TransferCompleted":
        return [
          View.patch(transfersView, event.transferId, { status: "COMPLETED", endedAt: at, endedVersion: version, credited: event.credited })
        ]
      case "TransferRefunded":
        return [
          View.patch(transfersView, event.transferId, { status: "FAILED", failure: event.reason, endedAt: at, endedVersion: version })
        ]
      default:
        return []
    }
  }
}
