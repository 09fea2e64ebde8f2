/**
 * Tracing in the environment the platform gives functions and ECS tasks. There is no X-Ray daemon and no
 * trace header locally, so Powertools Tracer is off (`POWERTOOLS_TRACE_ENABLED=false`: `captureAWSv3Client`
 * returns the client as it is) and the X-Ray SDK that Tracer loads starts in manual mode
 * (`AWS_XRAY_MANUAL_MODE`). In its default automatic mode, loading the SDK enables `cls-hooked`'s async
 * hooks for the whole execution environment, tracing on or off, which makes every promise of every
 * invocation several times dearer (measured: docs/architecture.md, "The embedded platform"). On AWS neither is set: functions
 * trace actively. Code in functions/ reads nothing of this; Powertools and the X-Ray SDK do.
 */
export const LOCAL_TRACING_ENV = {
  POWERTOOLS_TRACE_ENABLED: 'false',
  AWS_XRAY_MANUAL_MODE: 'true',
} as const;
