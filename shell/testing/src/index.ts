export * from "./graphql-client"
export { eventually } from "./eventually"
export { listening, printed, spawnProject, spawnStart, type ProjectProcess } from "./project-process"
export { connectRaw, type HalfSentRequest, halfSentPost, requestHead, type RawConnection, type RawResponse } from "./raw-http"
