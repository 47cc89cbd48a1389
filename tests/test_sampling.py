"""Frame samplers against MMAction2's formulas, with the expected values worked out by hand.

Random cases replay the documented draws on an identically seeded generator and recompute the
result from the formula inside the test.
"""

import numpy as np
import pytest

from actionrec.data.sampling import DenseSampleFrames, SampleFrames, UniformSample, build_sampler


def clips(inds: np.ndarray, clip_len: int) -> list[list[int]]:
    return inds.reshape(-1, clip_len).tolist()


# ------------------------------------------------------------------------------ SampleFrames test


def test_tsn_test_mode_centre_of_segments():
    # N=300, 8 clips: avg = 300/8 = 37.5; offsets = k*37.5 + 18.75
    # = 18.75, 56.25, 93.75, 131.25, 168.75, 206.25, 243.75, 281.25 -> truncated
    inds = SampleFrames(clip_len=1, num_clips=8, test_mode=True)(300)
    assert inds.tolist() == [18, 56, 93, 131, 168, 206, 243, 281]
    assert inds.dtype == np.int64


def test_tsn_test_mode_twice_sample_appends_unshifted():
    # as above, then base offsets k*37.5 = 0, 37.5, 75, 112.5, 150, 187.5, 225, 262.5 -> truncated
    inds = SampleFrames(clip_len=1, num_clips=8, test_mode=True, twice_sample=True)(300)
    assert inds.tolist() == [18, 56, 93, 131, 168, 206, 243, 281, 0, 37, 75, 112, 150, 187, 225, 262]


def test_tsn_test_mode_short_video_repeats_frames():
    # N=5, 8 clips: avg = 0.625; k*0.625 + 0.3125 = .3125 .9375 1.5625 2.1875 2.8125 3.4375 4.0625 4.6875
    inds = SampleFrames(clip_len=1, num_clips=8, test_mode=True)(5)
    assert inds.tolist() == [0, 0, 1, 2, 2, 3, 4, 4]


def test_3d_test_mode_single_clip_centred():
    # clip_len 32, interval 2: ori = 31*2 + 1 = 63; N=100: max_offset = 37; offset 37 // 2 = 18
    inds = SampleFrames(clip_len=32, frame_interval=2, num_clips=1, test_mode=True)(100)
    assert inds.tolist() == list(range(18, 18 + 64, 2))


def test_3d_test_mode_multi_clip_uses_round_half_even():
    # clip_len 8, interval 8: ori = 7*8 + 1 = 57; N=300: max_offset = 243;
    # offsets round(k * 243/2) = 0, round(121.5) = 122 (half to even), 243
    inds = SampleFrames(clip_len=8, frame_interval=8, num_clips=3, test_mode=True)(300)
    assert [c[0] for c in clips(inds, 8)] == [0, 122, 243]
    assert clips(inds, 8)[2] == [243 + 8 * i for i in range(8)]  # last = 299 < 300


def test_3d_test_mode_twice_sample_keeps_mmaction_spacing():
    # num_clips 2 -> 4 clips, but spacing max_offset/(num_clips-1) = 16/1 with ori = 4, N = 20:
    # offsets 0, 16, 32, 48; frames wrap with 'loop': 32..35 -> 12..15, 48..51 -> 8..11
    inds = SampleFrames(clip_len=4, num_clips=2, test_mode=True, twice_sample=True)(20)
    assert clips(inds, 4) == [[0, 1, 2, 3], [16, 17, 18, 19], [12, 13, 14, 15], [8, 9, 10, 11]]


def test_out_of_bound_loop_and_repeat_last():
    # ori (test) = 7*2 + 1 = 15 > N = 10: max_offset 0; frames 0,2,...,14
    loop = SampleFrames(clip_len=8, frame_interval=2, test_mode=True, out_of_bound_opt="loop")(10)
    assert loop.tolist() == [0, 2, 4, 6, 8, 0, 2, 4]  # 10, 12, 14 mod 10
    last = SampleFrames(clip_len=8, frame_interval=2, test_mode=True, out_of_bound_opt="repeat_last")(10)
    assert last.tolist() == [0, 2, 4, 6, 8, 8, 8, 8]  # the largest in-range frame, 8


def test_start_index_is_added():
    inds = SampleFrames(clip_len=1, num_clips=8, test_mode=True, start_index=1)(300)
    assert inds.tolist() == [19, 57, 94, 132, 169, 207, 244, 282]


# ------------------------------------------------------------------------- 0.x vs 1.x test formula


def test_flow_clip_len_5_test_sampling_differs_between_0x_and_1x():
    # 1.x: ori = 4*1 + 1 = 5; N = 33: max_offset = 28; offsets round(k * 28/2) = 0, 14, 28
    new = SampleFrames(clip_len=5, num_clips=3, test_mode=True)(33)
    assert [c[0] for c in clips(new, 5)] == [0, 14, 28]
    # 0.x: ori = 5*1 = 5; avg = (33 - 5 + 1)/3 = 9.667; offsets int(k*9.667 + 4.833) = 4, 14, 24
    old = SampleFrames(clip_len=5, num_clips=3, test_mode=True, legacy_0x_test=True)(33)
    assert [c[0] for c in clips(old, 5)] == [4, 14, 24]
    assert clips(old, 5)[0] == [4, 5, 6, 7, 8]


def test_legacy_0x_matches_1x_for_tsn_rgb():
    # clip_len 1, interval 1: 0.x avg = (N - 1 + 1)/num_clips = N/num_clips, the 1.x formula
    for n in (7, 100, 301):
        assert (
            SampleFrames(1, num_clips=8, test_mode=True, legacy_0x_test=True)(n).tolist()
            == SampleFrames(1, num_clips=8, test_mode=True)(n).tolist()
        )


def test_legacy_0x_short_video_gives_zero_offsets():
    # 0.x: N = 4 is not > ori - 1 = 4 -> offsets zeros; frames 0..4 looped mod 4
    inds = SampleFrames(clip_len=5, num_clips=2, test_mode=True, legacy_0x_test=True)(4)
    assert clips(inds, 5) == [[0, 1, 2, 3, 0], [0, 1, 2, 3, 0]]
    twice = SampleFrames(clip_len=5, num_clips=2, test_mode=True, legacy_0x_test=True, twice_sample=True)(4)
    assert len(twice) == 4 * 5  # view count does not depend on the video length


# ----------------------------------------------------------------------------- SampleFrames train


def test_train_segments_random_offset_within_each_segment():
    # N=300, 8 clips of 1: avg = (300 - 1 + 1)//8 = 37; clip k in [37k, 37k + 37)
    sampler = SampleFrames(clip_len=1, num_clips=8)
    for seed in range(20):
        inds = sampler(300, np.random.default_rng(seed))
        assert all(37 * k <= i < 37 * k + 37 for k, i in enumerate(inds.tolist()))
    replay = np.random.default_rng(5)
    expected = np.arange(8) * 37 + replay.integers(37, size=8)
    assert sampler(300, np.random.default_rng(5)).tolist() == expected.tolist()


def test_train_short_video_sorted_random_offsets():
    # ori = 8*2 = 16, N = 20, 8 clips: avg = (20-16+1)//8 = 0 and N=20 > max(8, 16):
    # offsets = sort(randint(5, size=8)), frames offset + 0,2,..,14 mod 20
    sampler = SampleFrames(clip_len=8, frame_interval=2, num_clips=8)
    replay = np.random.default_rng(3)
    offsets = np.sort(replay.integers(5, size=8))
    expected = (offsets[:, None] + np.arange(0, 16, 2)[None, :]) % 20
    assert sampler(20, np.random.default_rng(3)).tolist() == expected.reshape(-1).tolist()


def test_train_fewer_frames_than_clips_spreads_evenly():
    # N=10, 16 clips of 1: avg = 10//16 = 0, N=10 is not > 16 -> around(k * 10/16):
    # k*0.625 = 0 .625 1.25 1.875 2.5 3.125 3.75 4.375 5 5.625 6.25 6.875 7.5 8.125 8.75 9.375
    inds = SampleFrames(clip_len=1, num_clips=16)(10, np.random.default_rng(0))
    assert inds.tolist() == [0, 1, 1, 2, 2, 3, 4, 4, 5, 6, 6, 7, 8, 8, 9, 9]


def test_train_video_shorter_than_clip_gives_zero_offset():
    # ori = 16 > N = 10: avg = (10-16+1)//1 = -5 -> zeros; frames 0,2,..,14
    loop = SampleFrames(clip_len=8, frame_interval=2)(10, np.random.default_rng(0))
    assert loop.tolist() == [0, 2, 4, 6, 8, 0, 2, 4]
    last = SampleFrames(clip_len=8, frame_interval=2, out_of_bound_opt="repeat_last")(10, np.random.default_rng(0))
    assert last.tolist() == [0, 2, 4, 6, 8, 8, 8, 8]


def test_train_temporal_jitter_replayed():
    # ori = 16, N = 100: avg = 85 -> offset randint(85); then per-frame jitter randint(4, size=4)
    sampler = SampleFrames(clip_len=4, frame_interval=4, temporal_jitter=True)
    replay = np.random.default_rng(11)
    offset = replay.integers(85, size=1)
    jitter = replay.integers(4, size=4)
    expected = offset[0] + np.arange(0, 16, 4) + jitter
    assert sampler(100, np.random.default_rng(11)).tolist() == expected.tolist()


def test_train_keep_tail_frames_replayed():
    # N=10, 4 clips of 1: avg = (10-1+1)/4 = 2.5; offsets int(k*2.5 + U(0, 2.5))
    sampler = SampleFrames(clip_len=1, num_clips=4, keep_tail_frames=True)
    replay = np.random.default_rng(2)
    expected = (np.arange(4) * 2.5 + replay.uniform(0, 2.5, 4)).astype(int)
    got = sampler(10, np.random.default_rng(2))
    assert got.tolist() == expected.tolist()
    assert all(int(2.5 * k) <= i < 2.5 * (k + 1) for k, i in enumerate(got.tolist()))


def test_train_needs_rng():
    with pytest.raises(TypeError, match="rng"):
        SampleFrames(clip_len=1, num_clips=8)(300)


def test_target_fps_stretches_clip():
    # fps 60 -> target 30: ori = max(1, 4*2*2) = 16; test 3D: max_offset = 100 - 16 = 84, one clip:
    # offset 84 // 2 = 42; frames 42 + int(linspace(0, 15, 4)) = 42 + (0, 5, 10, 15)
    sampler = SampleFrames(clip_len=4, frame_interval=2, test_mode=True, target_fps=30)
    assert sampler(100, fps=60).tolist() == [42, 47, 52, 57]


# ------------------------------------------------------------------------------ DenseSampleFrames


def test_dense_test_mode_positions():
    # N=100, range 32, 4 clips: pos = max(1, 1+100-32) = 69, interval 32//4 = 8;
    # starts linspace(0, 68, 3) = 0, 34, 68; clips (base + start) % 100
    inds = DenseSampleFrames(clip_len=2, num_clips=4, sample_range=32, num_sample_positions=3, test_mode=True)(100)
    assert [c[0] for c in clips(inds, 2)] == [0, 8, 16, 24, 34, 42, 50, 58, 68, 76, 84, 92]
    assert clips(inds, 2)[-1] == [92, 93]


def test_dense_short_video_wraps_offsets():
    # N=20: pos = max(1, 1+20-32) = 1 -> starts 0,0; offsets 0, 8, 16, 24 % 20 = 4
    inds = DenseSampleFrames(clip_len=2, num_clips=4, sample_range=32, num_sample_positions=2, test_mode=True)(20)
    assert [c[0] for c in clips(inds, 2)] == [0, 8, 16, 4] * 2
    train = DenseSampleFrames(clip_len=2, num_clips=4, sample_range=32)(20, np.random.default_rng(0))
    assert [c[0] for c in clips(train, 2)] == [0, 8, 16, 4]


def test_dense_train_replayed():
    # N=100: pos = 69; start = randint(0, 68); offsets (0,8,16,24 + start) % 100
    sampler = DenseSampleFrames(clip_len=2, num_clips=4, sample_range=32)
    replay = np.random.default_rng(7)
    start = replay.integers(0, 68)
    expected = [[(b + start) % 100, (b + start) % 100 + 1] for b in (0, 8, 16, 24)]
    assert clips(sampler(100, np.random.default_rng(7)), 2) == expected


# ---------------------------------------------------------------------------------- UniformSample


def test_uniform_test_mode_four_clips():
    # N=280, 8 frames: seg = 279/8 = 34.875; starts round(34.875 i) =
    #   0, 34.875->35, 69.75->70, 104.625->105, 139.5->140 (half even), 174.375->174, 209.25->209, 244.125->244
    # dur = 34.875/5 = 6.975; shifts int(6.975 (k+1)) = 6, 13, 20, 27
    starts = [0, 35, 70, 105, 140, 174, 209, 244]
    inds = UniformSample(clip_len=8, num_clips=4, test_mode=True)(280)
    assert clips(inds, 8) == [[s + shift for s in starts] for shift in (6, 13, 20, 27)]


def test_uniform_short_video_duplicates_frames():
    # N=3: seg = 2/8 = 0.25; round(0.25 i) = 0, 0, 0 (0.5 -> 0), 1, 1, 1, 2 (1.5 -> 2), 2; dur 0.125 -> shift 0
    assert UniformSample(clip_len=8, test_mode=True)(3).tolist() == [0, 0, 0, 1, 1, 1, 2, 2]
    assert UniformSample(clip_len=4, test_mode=True)(1).tolist() == [0, 0, 0, 0]


def test_uniform_train_one_frame_per_segment():
    # seg = 34.875; segment i spans [round(seg i), round(seg (i+1))] inclusive
    bounds = [0, 35, 70, 105, 140, 174, 209, 244, 279]
    sampler = UniformSample(clip_len=8)
    for seed in range(20):
        inds = sampler(280, np.random.default_rng(seed)).tolist()
        assert all(bounds[i] <= v <= bounds[i + 1] for i, v in enumerate(inds))
    replay = np.random.default_rng(9)
    expected = replay.integers(np.array(bounds[:-1]), np.array(bounds[1:]) + 1)
    assert sampler(280, np.random.default_rng(9)).tolist() == expected.tolist()


def test_uniform_train_rejects_multiple_clips():
    with pytest.raises(ValueError, match="num_clips"):
        UniformSample(clip_len=8, num_clips=4)


# ----------------------------------------------------------------------------------- errors, build


@pytest.mark.parametrize(
    "sampler",
    [
        SampleFrames(1, num_clips=8, test_mode=True),
        UniformSample(8, test_mode=True),
        DenseSampleFrames(2, num_clips=4, test_mode=True),
    ],
)
def test_zero_frames_is_a_clear_error(sampler):
    with pytest.raises(ValueError, match="0 frames"):
        sampler(0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="out_of_bound_opt"):
        SampleFrames(1, out_of_bound_opt="clamp")
    with pytest.raises(ValueError, match="clip_len"):
        SampleFrames(0)
    with pytest.raises(ValueError, match="num_clips - 1"):
        SampleFrames(8, num_clips=1, twice_sample=True, test_mode=True)


def test_build_sampler_from_mmaction_steps():
    tsn = build_sampler(dict(type="SampleFrames", clip_len=1, frame_interval=1, num_clips=8, test_mode=True))
    assert tsn(300).tolist() == [18, 56, 93, 131, 168, 206, 243, 281]
    uni = build_sampler(dict(type="UniformSample", clip_len=8, num_clips=4, test_mode=True))
    assert isinstance(uni, UniformSample) and uni.clip_len == 8 and len(uni(280)) == 32
    dense = build_sampler(
        dict(type="DenseSampleFrames", clip_len=2, num_clips=4, sample_range=32, num_sample_positions=3, test_mode=True)
    )
    assert len(dense(100)) == 2 * 4 * 3


def test_build_sampler_errors_name_the_key():
    with pytest.raises(ValueError, match=r"'clip_length'.*valid keys.*clip_len"):
        build_sampler(dict(type="SampleFrames", clip_length=1))
    with pytest.raises(ValueError, match=r"'Sample'.*SampleFrames"):
        build_sampler(dict(type="Sample", clip_len=1))
    with pytest.raises(ValueError, match="clip_len"):
        build_sampler(dict(type="UniformSample"))
