export * from './types';
export * from './sdp';
export * from './profiles';
export * from './stats';
export * from './rtpengine';
