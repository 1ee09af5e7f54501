import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { UploadDetail } from "@/components/uploads/upload-detail";
import { getSessionUser } from "@/lib/auth/session";
import { getProjectForUser } from "@/lib/projects/get-project";
import { getUploadView } from "@/lib/uploads/get-upload";

export const metadata: Metadata = { title: "Upload · Biblio" };

export default async function UploadPage({ params }: { params: Promise<{ uploadId: string }> }) {
  const { uploadId } = await params;
  const user = await getSessionUser(await headers());
  if (!user) redirect(`/sign-in?next=${encodeURIComponent(`/uploads/${uploadId}`)}`);
  const view = await getUploadView({ userId: user.id, uploadId, isAdmin: user.role === "admin" });
  if (!view) notFound();
  // An admin may open an upload of a project they are not in: the breadcrumb then says "Project".
  const project = await getProjectForUser(view.upload.projectId, user.id);

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/projects">Projects</Link>
        <span aria-hidden="true"> / </span>
        <Link href={`/projects/${view.upload.projectId}`}>{project?.name ?? "Project"}</Link>
        <span aria-hidden="true"> / </span>
      </nav>
      <h1 className="break">{view.upload.name}</h1>
      <UploadDetail initial={view} />
    </>
  );
}
