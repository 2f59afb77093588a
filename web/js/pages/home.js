// The home page: what Portrait is, with the log-in beside it (a visitor used to land on
// a bare log-in form, with nothing to say what they had found).
import { h } from "../ui.js";
import { loginCard } from "./login.js";

export function render(main, { params }) {
  main.append(h("div", { class: "home" },
    h("section", { class: "home-intro", "aria-labelledby": "home-title" },
      h("h1", { id: "home-title" }, "Portrait"),
      h("p", { class: "lead" }, "Your face, your work, in one place: an avatar in every size, a portfolio of your projects, and AI portraits of you in the pose you choose."),
      h("ul", { class: "home-points" },
        h("li", {}, h("strong", {}, "Avatars. "), "Upload a photo: it is framed around your face and made in five sizes, with its location and other metadata removed."),
        h("li", {}, h("strong", {}, "Portfolio. "), "Projects with their images and thumbnails, found by anyone through search."),
        h("li", {}, h("strong", {}, "AI portraits. "), "Pick one of ~930 poses and a style; the portrait keeps your face, and shows how alike it came out."))),
    loginCard(params, { heading: "h2" })));
}
