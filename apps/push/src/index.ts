// The push-call server; filled in by the push-call work (issue 7).
export {};
