import os

import numpy as np
import pytest

from latentview.backends.images import ImageLoadError, label_for, load_rgb, scan_images
from tests.messy_images import make_messy_folder


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    root = tmp_path_factory.mktemp("messy")
    good, bad = make_messy_folder(root)
    return root, good, bad


def test_scan_finds_every_image_once_and_reports_the_symlink_loop(messy):
    root, good, bad = messy
    scan = scan_images(str(root))
    names = [os.path.basename(p) for p in scan.files]
    assert sorted(names) == sorted(good | bad)
    assert any("symlink loop" in reason for _, reason in scan.problems)


def test_every_good_file_decodes_to_rgb_and_every_bad_one_has_a_reason(messy):
    root, good, _bad = messy
    for path in scan_images(str(root)).files:
        name = os.path.basename(path)
        if name in good:
            arr = load_rgb(path, 64)
            assert arr.shape == (64, 64, 3) and arr.dtype == np.uint8, name
        else:
            with pytest.raises(ImageLoadError) as err:
                load_rgb(path, 64)
            assert str(err.value) and "\n" not in str(err.value), name


@pytest.mark.parametrize(
    ("name", "words"),
    [("empty.jpg", "empty"), ("notes.jpg", "not an image"), ("truncated.jpg", "truncated"),
     ("bomb.png", "too many pixels")],
)  # fmt: skip
def test_reasons_say_what_is_wrong(messy, name, words):
    root, _, _ = messy
    path = next(p for p in scan_images(str(root)).files if os.path.basename(p) == name)
    with pytest.raises(ImageLoadError, match=words):
        load_rgb(path, 64)


def test_sixteen_bit_grey_keeps_its_gradient(messy):
    root, _, _ = messy
    arr = load_rgb(str(root / "beta" / "nested" / "grey16.png"), 64, crop=False)
    col = arr[:, 32, 0].astype(int)  # 120×90 fits as 64×48, rows 8..55; the ramp runs downwards
    assert col[53] - col[10] > 150  # a full ramp, not clipped to white


def test_alpha_is_composited_on_white_and_exif_rotation_applied(messy):
    root, _, _ = messy
    # rotated.jpg is stored 160×80 with orientation 6: displayed portrait, so padding goes left/right.
    arr = load_rgb(str(root / "beta" / "nested" / "rotated.jpg"), 64, crop=False)
    assert (arr[:, :5] == 255).all() and not (arr[:5, 20:44] == 255).all()
    alpha = load_rgb(str(root / "beta" / "nested" / "alpha.png"), 64)
    assert alpha.mean() > 100  # half-transparent over white, not over black


def test_labels_are_first_level_subfolders(tmp_path):
    assert label_for(str(tmp_path / "cats" / "x" / "a.jpg"), str(tmp_path)) == "cats"
    assert label_for(str(tmp_path / "a.jpg"), str(tmp_path)) == "(root)"


def test_unreadable_file_is_a_reason_not_a_crash(messy, monkeypatch):
    import PIL.Image

    root, _, _ = messy

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(PIL.Image, "open", denied)  # root ignores chmod, so simulate the OS refusal
    with pytest.raises(ImageLoadError, match="permission denied"):
        load_rgb(str(root / "alpha" / "plain.jpg"), 64)


def test_labels_by_first_folder_level_or_full_path():
    root = os.path.join("/data", "photos")
    p = os.path.join(root, "cats", "indoor", "a.jpg")
    assert label_for(p, root) == "cats"
    assert label_for(p, root, 0) == "cats/indoor"
    assert label_for(os.path.join(root, "b.jpg"), root, 0) == "(root)"
