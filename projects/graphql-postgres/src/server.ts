// A process that only serves the project, for tests that start, kill and restart it.
import { main } from "./main"

main()
