export { type ImageCodec, type ImageVariant, imageCodec } from './codec.ts';

import { createLocalStorage, type LocalStorage, type LocalStorageOptions } from './local.ts';
import { createS3Storage, type S3Storage, type S3StorageOptions } from './s3.ts';

export {
  type AddHooks,
  addImages,
  announceImages,
  countImages,
  deleteImageFiles,
  type ImageHolder,
  type ImageRow,
  type ImagesTable,
  imageColumns,
  imageLinks,
  imageOf,
  imagesAdded,
  imagesOf,
  moveImage,
  RECORD_VARIANTS_JOB,
  registerImageHolders,
  removeImage,
  type VariantsJob,
} from './image-holder.ts';
export type { PreparedImage, RecordedVariants } from './image-uploads.ts';
export { FileRefused } from './image-uploads.ts';
export type { LocalStorage, LocalStorageOptions } from './local.ts';
export { createLocalStorage, localFileRoutes } from './local.ts';
export type { S3Storage, S3StorageOptions } from './s3.ts';
export { createS3Storage } from './s3.ts';
export type {
  ObjectInfo,
  PutOptions,
  Storage,
  StoredObject,
  UrlOptions,
  Visibility,
} from './storage.ts';
export {
  assertValidKey,
  DEFAULT_URL_EXPIRES_SECONDS,
  InvalidStorageKey,
  isValidKey,
  MAX_KEY_LENGTH,
  MAX_URL_EXPIRES_SECONDS,
} from './storage.ts';
export type {
  ImageVariantJob,
  InspectedUpload,
  StoredVariant,
  UploadKind,
  UploadRules,
} from './uploads.ts';
export {
  FileTooLarge,
  IMAGE_VARIANT_JOB,
  IMAGE_VARIANT_WIDTHS,
  inspectUpload,
  makeImageVariants,
  processImage,
  registerImageJobs,
  variantKey,
  withoutMetadata,
} from './uploads.ts';

/** S3 when a bucket is given; local files otherwise. */
export type StorageOptions = S3StorageOptions | (LocalStorageOptions & { bucket?: undefined });

/**
 * The storage the configuration asks for. `kind` tells them apart: local storage needs
 * `localFileRoutes(storage)` mounted on the app to serve its files.
 */
export function createStorage(options: StorageOptions): LocalStorage | S3Storage {
  return options.bucket === undefined ? createLocalStorage(options) : createS3Storage(options);
}
