export * from "./graphql-client"
export { eventually } from "./eventually"
export { spawnProject, spawnStart, type ProjectProcess } from "./project-process"
