// The tests' name for the shared server launcher (testkit/server.ts, also used by bench/).
export * from '../../testkit/server'
