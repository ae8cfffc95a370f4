// Next.js's ambient types (CSS modules, images) for type-checking without a build; `next build`
// also writes web/next-env.d.ts, which is not checked in.
/// <reference types="next" />
/// <reference types="next/image-types/global" />
