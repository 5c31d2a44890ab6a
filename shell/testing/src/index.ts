export * from "./graphql-client"
export { eventually } from "./eventually"
export { spawnProject, type ProjectProcess } from "./project-process"
