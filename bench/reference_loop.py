"""A GAN training loop written the way tutorials write it: the trainer's peer.

The structure follows the two loops most GAN code is copied from: PyTorch's DCGAN
tutorial for the non-saturating GAN (separate backward passes on the real and the
fake batch, the fake batch reused for the generator's step, ``.item()`` for every
logged number) and the WGAN-GP authors' PyTorch port for WGAN-GP (three backward
passes per critic step: real, fake, penalty; ``requires_grad`` toggled on the critic
around the generator's step). The networks (``gancore.torch.generator`` and
``discriminator``, standardised to the data as the trainer does), batch size, losses
and optimiser settings are the trainer's, with the optimiser's default implementation.
"""

import torch
import torch.nn.functional as F

from gancore.torch import discriminator, generator, published_defaults


def reference_train(loss, data, *, steps, seed=0, latent_dim=8, widths=(64, 64),
                    gp_lambda=10.0, device="cpu", pool_size=2**16):
    """Train for ``steps`` generator steps with ``loss`` in ``("nonsaturating",
    "wgan-gp")``; return the logged numbers, one tuple per generator step."""
    settings = published_defaults(loss)
    m, n_critic = settings["batch_size"], settings["n_critic"]
    torch.manual_seed(seed)
    pool = torch.as_tensor(data.sample(pool_size, seed=seed), dtype=torch.float32)
    pool = pool.reshape(pool_size, data.dim).to(device)
    shift, scale = pool.mean(0), pool.std(0)
    net_g = generator(data.dim, latent_dim=latent_dim, widths=widths, shift=shift,
                      scale=scale).to(device)
    net_d = discriminator(data.dim, widths=widths, shift=shift, scale=scale).to(device)
    opt_g = torch.optim.Adam(net_g.parameters(), lr=settings["lr"], betas=settings["betas"])
    opt_d = torch.optim.Adam(net_d.parameters(), lr=settings["lr"], betas=settings["betas"])
    log = []
    for _ in range(steps):
        if loss == "nonsaturating":
            real = pool[torch.randint(len(pool), (m,), device=device)]
            net_d.zero_grad()
            label = torch.full((m,), 1.0, device=device)
            output = net_d(real)
            err_real = F.binary_cross_entropy_with_logits(output, label)
            err_real.backward()
            d_x = torch.sigmoid(output).mean().item()
            fake = net_g(torch.randn(m, latent_dim, device=device))
            label.fill_(0.0)
            output = net_d(fake.detach())
            err_fake = F.binary_cross_entropy_with_logits(output, label)
            err_fake.backward()
            d_g_z1 = torch.sigmoid(output).mean().item()
            opt_d.step()
            net_g.zero_grad()
            label.fill_(1.0)
            output = net_d(fake)
            err_g = F.binary_cross_entropy_with_logits(output, label)
            err_g.backward()
            d_g_z2 = torch.sigmoid(output).mean().item()
            opt_g.step()
            log.append(((err_real + err_fake).item(), err_g.item(), d_x, d_g_z1, d_g_z2))
            continue
        for p in net_d.parameters():
            p.requires_grad = True
        for _ in range(n_critic):
            real = pool[torch.randint(len(pool), (m,), device=device)]
            net_d.zero_grad()
            d_real = net_d(real).mean()
            d_real.backward(torch.tensor(-1.0, device=device))
            with torch.no_grad():
                fake = net_g(torch.randn(m, latent_dim, device=device))
            d_fake = net_d(fake).mean()
            d_fake.backward(torch.tensor(1.0, device=device))
            alpha = torch.rand(m, 1, device=device).expand(real.size())
            mix = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
            out = net_d(mix)
            grads = torch.autograd.grad(outputs=out, inputs=mix,
                                        grad_outputs=torch.ones(out.size(), device=device),
                                        create_graph=True, retain_graph=True)[0]
            penalty = ((grads.norm(2, dim=1) - 1) ** 2).mean() * gp_lambda
            penalty.backward()
            d_cost = d_fake - d_real + penalty
            opt_d.step()
        for p in net_d.parameters():
            p.requires_grad = False
        net_g.zero_grad()
        g_value = net_d(net_g(torch.randn(m, latent_dim, device=device))).mean()
        g_value.backward(torch.tensor(-1.0, device=device))
        opt_g.step()
        log.append((d_cost.item(), -g_value.item(), d_real.item(), d_fake.item()))
    return log
