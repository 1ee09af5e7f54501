import { formatBytes, isTypeAllowed, type Plan } from "@/lib/plans/plans";

const FAMILY_NAMES: Record<string, string> = { video: "video", audio: "audio", image: "images", text: "text" };
const EXACT_NAMES: Record<string, string> = { "application/pdf": "PDF" };

/** "video, audio, images and PDF files" — the plan's types in words. */
export function describeAllowedTypes(plan: Plan): string {
  const names = plan.allowedTypes.map((type) =>
    type.endsWith("/*") ? (FAMILY_NAMES[type.slice(0, -2)] ?? `${type.slice(0, -2)} files`) : (EXACT_NAMES[type] ?? type),
  );
  if (names.length <= 1) return `${names[0] ?? "no"} files`;
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]} files`;
}

/** Why the plan refuses this file, in the words the server would use; null when it is fine. */
export function planProblem(plan: Plan, file: { name: string; size: number | null; type: string }): string | null {
  if (file.size != null && file.size > plan.maxFileSize) {
    return `“${file.name}” is ${formatBytes(file.size)}; your ${plan.label} plan allows files up to ${formatBytes(plan.maxFileSize)}.`;
  }
  if (file.size === 0) return `“${file.name}” is empty.`;
  if (!file.type || !isTypeAllowed(plan, file.type)) {
    const what = file.type ? `of type ${file.type}` : "of an unknown type";
    return `“${file.name}” is ${what}; your ${plan.label} plan accepts ${describeAllowedTypes(plan)}.`;
  }
  return null;
}
