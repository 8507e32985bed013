/** The public surface of the media layer. */
export * from './frame.ts';
export * from './g711.ts';
export * from './tones.ts';
export * from './wav.ts';
export * from './sound-file.ts';
export * from './clock.ts';
export * from './goertzel.ts';
export * from './native-clock.ts';
