// The playground's Race link: the race page, set up from this page's setup (its hash), in
// the page's class if it is in one (a teacher projects the race from there).
import { classFromUrl } from "./classroom.js";

const link = document.getElementById("race-link");
link?.addEventListener("click", () => {
  const id = classFromUrl();
  link.href = `/races/new${id ? `?class=${encodeURIComponent(id)}` : ""}${location.hash}`;
});
