// The push-call server (issue 7): wakes sleeping devices for calls (RFC 8599 §5), tells them
// when the call ended or was missed, and sends binding-refresh pushes (RFC 8599 §5.5).
export * from './binding-watch';
export * from './pickup';
export * from './call-server';
export * from './refresh-scheduler';
export * from './service';
