/** What files can be attached, and the limits an admin sets (server and both front ends read these). */

/** Every type the server can recognise from a file's bytes; admins allow a subset. */
export const ATTACHMENT_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf'] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

/** The images among them: shown as thumbnails, stripped of metadata before they are stored. */
export const IMAGE_TYPES: readonly AttachmentType[] = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];

/** The hard ceiling on the admin's size limit. */
export const MAX_ATTACHMENT_MB = 50;

export interface AttachmentSettingsDto {
  /** Largest file accepted, in megabytes (1 MB = 1,048,576 bytes). */
  maxMb: number;
  /** Types accepted, as recognised from the bytes. */
  types: AttachmentType[];
}

export const DEFAULT_ATTACHMENT_SETTINGS: AttachmentSettingsDto = { maxMb: 10, types: [...ATTACHMENT_TYPES] };

/** A file attached to a message, as both ends see it; its bytes are fetched through a signed link. */
export interface AttachmentDto {
  /** Random and public: it names the file in links, and says nothing about the conversation. */
  id: string;
  name: string;
  type: AttachmentType;
  /** Bytes, as stored (after metadata was stripped). */
  size: number;
}

/** A short-lived link to one attachment's bytes. */
export interface AttachmentLinkDto {
  url: string;
  expiresAt: number;
}

/** The uploader of an attachment tells the server nothing else: the name travels in the query. */
export const UPLOAD_PATH = '/api/attachments';
