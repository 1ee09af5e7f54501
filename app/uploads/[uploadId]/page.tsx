import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { UploadDetail } from "@/components/uploads/upload-detail";
import { getSessionUser } from "@/lib/auth/session";
import { getProjectCrumb } from "@/lib/projects/get-project";
import { ownsUpload } from "@/lib/uploads/delete-upload";
import { getUploadView } from "@/lib/uploads/get-upload";
import { liveChangesStart } from "@/lib/uploads/list-changes";

export const metadata: Metadata = { title: "Upload · Biblio" };

export default async function UploadPage({ params }: { params: Promise<{ uploadId: string }> }) {
  const { uploadId } = await params;
  const user = await getSessionUser(await headers());
  if (!user) redirect(`/sign-in?next=${encodeURIComponent(`/uploads/${uploadId}`)}`);
  const liveSince = liveChangesStart();
  const view = await getUploadView({ userId: user.id, uploadId, isAdmin: user.role === "admin" });
  if (!view) notFound();
  const [crumb, canDelete] = await Promise.all([getProjectCrumb(view.upload.projectId, user), ownsUpload(view.upload.id, user.id)]);

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/projects">Projects</Link>
        <span aria-hidden="true"> / </span>
        {crumb && (
          <>
            <Link href={crumb.href}>{crumb.name}</Link>
            <span aria-hidden="true"> / </span>
          </>
        )}
      </nav>
      <h1 className="break">{view.upload.name}</h1>
      <UploadDetail initial={view} liveSince={liveSince} canDelete={canDelete} />
    </>
  );
}
