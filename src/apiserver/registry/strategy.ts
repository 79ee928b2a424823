import type { ResourceInfo } from "../../api/resources.ts";
import type { KObject } from "../../apimachinery/meta.ts";
import type { FieldError } from "../../apimachinery/field-error.ts";

export interface UserInfo {
  name: string;
  groups: string[];
}

/** What one write request carries through the registry. */
export interface RequestContext {
  user: UserInfo;
  now: Date;
  /** Warnings to return in `Warning` headers. */
  warnings: string[];
  dryRun: boolean;
  /** Who the write's managedFields entry names: the fieldManager parameter, else the User-Agent's first word. */
  fieldManager?: string;
  /**
   * The version the request named: custom objects are pruned, defaulted and validated with that
   * version's schema (apiextensions serves each version with its own), then stored as the
   * storage version.
   */
  version?: string;
  /** The write is a server-side apply, whose Apply entry is already recorded. */
  applied?: boolean;
  /** A check of the object about to be written (create or main-resource update) that may refuse it. */
  admitObject?: (obj: KObject, old: KObject | undefined) => void;
  /**
   * Validating admission (webhooks): the object has passed its own validation and is about to be
   * written (create, main-resource or status update); a refusal throws.
   */
  validateAdmission?: (obj: KObject, old: KObject | undefined) => Promise<void>;
}

/**
 * Per-kind behaviour on top of the generic store, as upstream's RESTCreateStrategy /
 * RESTUpdateStrategy / RESTDeleteStrategy (apiserver/pkg/registry/rest).
 */
export interface Strategy {
  /** Reset fields users may not set at creation (usually status). */
  prepareForCreate?(obj: KObject, ctx: RequestContext): void;
  /** Carry over fields a main-resource write may not change (usually status). */
  prepareForUpdate?(obj: KObject, old: KObject, ctx: RequestContext): void;
  /** For the /status subresource: keep everything but status from the old object. */
  prepareForStatusUpdate?(obj: KObject, old: KObject, ctx: RequestContext): void;
  validateCreate?(obj: KObject, ctx?: RequestContext): FieldError[];
  validateUpdate?(obj: KObject, old: KObject, ctx?: RequestContext): FieldError[];
  validateStatusUpdate?(obj: KObject, old: KObject, ctx?: RequestContext): FieldError[];
  /** Graceful deletion period; undefined means delete at once. */
  gracePeriod?(obj: KObject, requested: number | undefined): number | undefined;
  /** PUT to a missing object creates it. */
  allowCreateOnUpdate?: boolean;
  /** Default propagation policy when DeleteOptions has none. */
  defaultPropagation?: "Orphan" | "Background";
  /** Field values for field selectors, besides metadata.name and metadata.namespace. */
  fields?(obj: KObject): Record<string, string>;
  /** Return the object (not a Status) from a completed delete. */
  returnDeletedObject?: boolean;
}

export interface StrategyFactory {
  (info: ResourceInfo): Strategy;
}
