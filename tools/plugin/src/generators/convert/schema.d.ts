export interface ConvertGeneratorSchema {
  name: string;
  repository?: string;
  /** A provisioning manifest to convert instead of packages/provisioning/<name>. */
  manifest?: string;
  /** With --manifest: the image to build FROM (default: the project holding the manifest). */
  parent?: string;
  /** With --manifest: the image description. */
  description?: string;
}
