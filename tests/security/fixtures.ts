import { getDb } from "@/lib/db/client";
import { projectMembers } from "@/lib/db/schema";
import { createUpload } from "@/lib/uploads/create-upload";
import { createTestUser, type TestUser } from "../helpers/auth";

export const ROLES = ["anonymous", "other", "member", "owner", "admin"] as const;
export type Role = (typeof ROLES)[number];

export type World = {
  owner: TestUser;
  member: TestUser;
  other: TestUser;
  admin: TestUser;
  cookieOf: (role: Role) => string | undefined;
};

/**
 * The five callers of the authorization matrix: the owner of a project, a member of that
 * project, a signed-in stranger, an admin who is neither, and nobody.
 */
export async function createWorld(): Promise<World> {
  // The owner is on Pro: every matrix row makes fresh uploads in its name, more than Free's
  // open-upload cap. One at a time: four sign-ups at once need four new connections.
  const owner = await createTestUser({ plan: "pro" });
  const member = await createTestUser();
  const other = await createTestUser();
  const admin = await createTestUser({ role: "admin", plan: "pro" });
  await getDb().insert(projectMembers).values({ projectId: owner.projectId, userId: member.id, role: "member" });
  const cookies: Record<Role, string | undefined> = {
    anonymous: undefined,
    other: other.cookie,
    member: member.cookie,
    owner: owner.cookie,
    admin: admin.cookie,
  };
  return { owner, member, other, admin, cookieOf: (role) => cookies[role] };
}

export const MiB = 1024 * 1024;

/** A pending upload of `size` bytes in the user's project: multipart above 16 MiB. */
export async function pendingUpload(user: TestUser, size = 1000, type = "image/png") {
  return createUpload(user.id, {
    name: "fixture.png",
    type,
    size,
    projectId: user.projectId,
    options: { checksum: true, sniff: true, probe: true, thumbnail: false, storyboard: false },
  });
}
