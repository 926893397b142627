"""The contract of :func:`lectures.train_vae` (the docstring of
:mod:`lectures.training`).

Each clause is checked against a plain loop written here from the contract alone:

* the reported train loss is the sum of the step losses divided by the number of images
  (nats per image), each step loss the batch's **summed** negative ELBO;
* the shuffle is the generator's permutation, drawn first in each epoch;
* the reported test loss is a one-sample negative ELBO of the test set, nats per image;
* the default loss is ``negative_elbo`` itself, bit for bit; ``lr`` with ``optimizer``,
  bad images and a diverging loss raise.

Every one of these mutations of the loop fails a test here: the train loss per batch
instead of per image, no shuffling, a test loss of 0.0, ``reduction="mean"`` instead of
``"sum"``.
"""

import math

import pytest
import torch

from lectures import VAE, History, negative_elbo, train_vae
from tests.helpers import F64

N, D, TEST, BATCH = 48, 16, 16, 16  # three batches per epoch


def binary_images(seed):
    g = torch.Generator().manual_seed(seed)
    x = (torch.rand(N + TEST, D, generator=g, dtype=F64) > 0.5).to(F64)
    return x[:N], x[N:]


def model(seed=0):
    return VAE(D, 12, 2, generator=torch.Generator().manual_seed(seed)).double()


def by_hand(seed, epochs=2):
    """The contract as a plain loop: (train losses, test losses, the batches)."""
    train_x, test_x = binary_images(seed)
    net, g = model(seed), torch.Generator().manual_seed(seed + 100)
    adam = torch.optim.Adam(net.parameters(), lr=1e-2, fused=True)
    train, test, batches = [], [], []
    for _ in range(epochs):
        net.train()
        total = 0.0
        for idx in torch.randperm(N, generator=g).split(BATCH):
            x = train_x[idx]
            loss = negative_elbo(x, *net(x, g), reduction="sum")
            adam.zero_grad()
            loss.backward()
            adam.step()
            total += loss.item()
            batches.append(x)
        train.append(total / N)
        net.eval()
        with torch.no_grad():
            test.append(negative_elbo(test_x, *net(test_x, g)).item())
    return train, test, batches


def with_train_vae(seed, epochs=2, **kwargs):
    train_x, test_x = binary_images(seed)
    g = torch.Generator().manual_seed(seed + 100)
    return train_vae(
        model(seed),
        train_x,
        test_x,
        epochs=epochs,
        batch_size=BATCH,
        lr=1e-2,
        generator=g,
        **kwargs,
    )


def spy(batches, reductions):
    """negative_elbo, recording each batch it is given and the reduction asked for."""

    def loss(x, x_logits, mu, logvar, reduction="mean"):
        batches.append(x)
        reductions.append(reduction)
        return negative_elbo(x, x_logits, mu, logvar, reduction=reduction)

    return loss


def test_train_loss_is_the_summed_step_losses_per_image():
    train, _, _ = by_hand(0)
    history = with_train_vae(0)
    assert history.train == train  # exactly: the same steps, the same additions


def test_each_step_takes_the_loss_summed_over_the_batch():
    batches, reductions = [], []
    with_train_vae(1, loss_fn=spy(batches, reductions))
    assert reductions == ["sum"] * 6
    assert [len(x) for x in batches] == [BATCH] * 6


def test_shuffle_is_the_generators_permutation_drawn_first():
    batches, reductions = [], []
    with_train_vae(2, epochs=1, loss_fn=spy(batches, reductions))
    train_x, _ = binary_images(2)
    order = torch.randperm(N, generator=torch.Generator().manual_seed(102))
    assert not torch.equal(order, torch.arange(N))
    for x, idx in zip(batches, order.split(BATCH), strict=True):
        assert torch.equal(x, train_x[idx])


def test_shuffle_and_draws_follow_the_generator():
    _, _, batches = by_hand(3, epochs=1)
    assert with_train_vae(3).train == with_train_vae(3).train  # the same generator seed
    other = train_vae(
        model(3),
        *binary_images(3),
        epochs=1,
        batch_size=BATCH,
        lr=1e-2,
        generator=torch.Generator().manual_seed(7),
    )
    assert other.train[0] != with_train_vae(3, epochs=1).train[0]


def test_test_loss_is_a_one_sample_negative_elbo_of_the_test_set():
    _, test, _ = by_hand(4)
    history = with_train_vae(4)
    assert history.test == test
    assert all(t > 0 for t in history.test)  # BCE of binary images: positive nats


def test_default_loss_is_negative_elbo_bit_for_bit():
    default, explicit = with_train_vae(6), with_train_vae(6, loss_fn=negative_elbo)
    assert default.train == explicit.train and default.test == explicit.test


def test_a_custom_loss_changes_training_but_not_the_test_yardstick():
    def half(x, x_logits, mu, logvar, reduction="sum"):
        return 0.5 * negative_elbo(x, x_logits, mu, logvar, reduction=reduction)

    default, halved = (
        with_train_vae(7, epochs=1),
        with_train_vae(7, epochs=1, loss_fn=half),
    )
    assert halved.train[0] != default.train[0]
    # Adam is nearly scale invariant: the test yardstick, the −ELBO, barely moves
    assert halved.test[0] == pytest.approx(default.test[0], rel=0.05)


def test_history_records_every_epoch_and_learns():
    history = with_train_vae(8, epochs=5)
    assert isinstance(history, History)
    assert len(history.train) == len(history.test) == len(history.seconds) == 5
    assert history.train[-1] < history.train[0]
    assert all(s > 0 for s in history.seconds)
    train_x, _ = binary_images(8)
    no_test = train_vae(model(8), train_x, epochs=1, batch_size=BATCH)
    assert no_test.test == [] and len(no_test.train) == 1


def test_images_follow_the_model_dtype():
    train_x, test_x = binary_images(9)
    net = VAE(D, 12, 2, generator=torch.Generator().manual_seed(9), dtype=torch.float32)
    history = train_vae(
        net, train_x, test_x, epochs=1, batch_size=BATCH
    )  # float64 data
    assert math.isfinite(history.train[0]) and math.isfinite(history.test[0])


def test_lr_and_optimizer_together_are_rejected():
    net = model()
    adam = torch.optim.Adam(net.parameters(), lr=1e-3)
    with pytest.raises(ValueError, match="pass lr or optimizer, not both"):
        train_vae(net, binary_images(0)[0], lr=1e-2, optimizer=adam)


def test_an_optimizer_continues_across_calls():
    train_x, test_x = binary_images(10)
    a, b = model(10), model(10)
    g_a, g_b = (torch.Generator().manual_seed(1) for _ in range(2))
    adam_a = torch.optim.Adam(a.parameters(), lr=1e-2, fused=True)
    adam_b = torch.optim.Adam(b.parameters(), lr=1e-2, fused=True)
    once = train_vae(
        a, train_x, test_x, epochs=2, batch_size=BATCH, generator=g_a, optimizer=adam_a
    )
    twice = [
        train_vae(
            b,
            train_x,
            test_x,
            epochs=1,
            batch_size=BATCH,
            generator=g_b,
            optimizer=adam_b,
        )
        for _ in range(2)
    ]
    assert once.train == [h.train[0] for h in twice]
    assert once.test == [h.test[0] for h in twice]


@pytest.mark.parametrize(
    "images, msg",
    [
        (torch.full((4, D), 1.5), "train_x must be at most 1"),
        (torch.full((4, D), float("nan")), "train_x has a NaN"),
        (torch.zeros(D), r"train_x must be \(N, D\) images"),
    ],
    ids=["above-one", "nan", "one-dimensional"],
)
def test_bad_images_are_rejected_before_training(images, msg):
    with pytest.raises(ValueError, match=msg):
        train_vae(model(), images.to(F64))


def test_a_diverging_loss_is_an_error_not_a_nan():
    def nan_loss(x, x_logits, mu, logvar, reduction="sum"):
        # a NaN value with a zero gradient: the parameters stay finite, the loss is NaN
        return (
            negative_elbo(x, x_logits, mu, logvar, reduction=reduction) * 0.0 + math.nan
        )

    with pytest.raises(ValueError, match="training diverged"):
        with_train_vae(11, epochs=1, loss_fn=nan_loss)
